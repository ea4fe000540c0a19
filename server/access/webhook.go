package access

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"parapet/server/store"
)

// Webhook delivery limits. Each alert is tried at most webhookAttempts
// times, each attempt bounded by webhookTimeout, with webhookBackoff
// doubling between attempts.
const (
	webhookAttempts = 4
	webhookTimeout  = 5 * time.Second
	webhookBackoff  = 500 * time.Millisecond
	webhookQueue    = 256
)

// Webhook POSTs each alert as JSON to a URL from one background
// goroutine, so a slow receiver never delays a decision. Alerts that do
// not fit in the queue are dropped and logged.
type Webhook struct {
	url    string
	client *http.Client
	log    *slog.Logger
	queue  chan store.Alert
	// backoff is the first delay between attempts; tests shorten it.
	backoff time.Duration
}

// NewWebhook returns a webhook for url. Run delivers its alerts.
func NewWebhook(url string, client *http.Client, log *slog.Logger) *Webhook {
	if client == nil {
		client = &http.Client{}
	}
	return &Webhook{url: url, client: client, log: log, queue: make(chan store.Alert, webhookQueue), backoff: webhookBackoff}
}

// Send queues the alert without waiting.
func (w *Webhook) Send(a store.Alert) {
	select {
	case w.queue <- a:
	default:
		w.log.Error("alert webhook queue full, alert not sent", "alert_id", a.ID, "queued", webhookQueue)
	}
}

// Run delivers queued alerts until ctx ends.
func (w *Webhook) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-w.queue:
			w.deliver(ctx, a)
		}
	}
}

func (w *Webhook) deliver(ctx context.Context, a store.Alert) {
	body, err := json.Marshal(a)
	if err != nil {
		w.log.Error("encoding alert for webhook", "alert_id", a.ID, "error", err)
		return
	}
	delay := w.backoff
	for attempt := 1; attempt <= webhookAttempts; attempt++ {
		err = w.post(ctx, body)
		if err == nil {
			return
		}
		if attempt == webhookAttempts {
			break
		}
		w.log.Warn("alert webhook failed, retrying", "alert_id", a.ID, "attempt", attempt, "retry_in", delay, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay *= 2
	}
	w.log.Error("alert webhook failed, alert not sent", "alert_id", a.ID, "attempts", webhookAttempts, "error", err)
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("posting alert: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("posting alert: receiver returned status %d", resp.StatusCode)
	}
	return nil
}
