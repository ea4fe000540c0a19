package posture

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"parapet/protocol"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestCollect(t *testing.T) {
	r, err := Collect(context.Background(), "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("report is invalid: %v", err)
	}
	if r.OS == "" {
		t.Error("got empty os, want the host's")
	}
	if r.AgentVersion != "1.2.3" {
		t.Errorf("got agent_version %q, want 1.2.3", r.AgentVersion)
	}
	if r.CollectedAt.IsZero() {
		t.Error("got zero collected_at")
	}
}

// recorder is a Sender that keeps what it was sent, and fails while down
// is set.
type recorder struct {
	mu   sync.Mutex
	sent []*protocol.PostureReport
	down bool
}

func (r *recorder) SendPosture(p *protocol.PostureReport) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return errors.New("not connected")
	}
	r.sent = append(r.sent, p)
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

func fixedReport(firewall State) *Report {
	return &Report{OS: "linux", AgentVersion: "x", CollectedAt: time.Now(), AgentUptimeSeconds: time.Now().Unix(),
		Firewall: Check{State: firewall}}
}

func TestLoopSendsOnChange(t *testing.T) {
	states := []State{StateEnabled, StateEnabled, StateEnabled, StateDisabled, StateDisabled}
	wantSent := []int{1, 1, 1, 2, 2}
	rec := &recorder{}
	i := 0
	l := &Loop{Interval: time.Hour, Sender: rec, Log: discard,
		Collect: func(context.Context) (*Report, error) { return fixedReport(states[i]), nil }}
	for i = range states {
		l.check(context.Background())
		if got := rec.count(); got != wantSent[i] {
			t.Errorf("check %d (firewall %s): got %d reports sent, want %d", i, states[i], got, wantSent[i])
		}
	}
}

func TestLoopSendsWhenDue(t *testing.T) {
	rec := &recorder{}
	l := &Loop{Interval: time.Hour, Sender: rec, Log: discard,
		Collect: func(context.Context) (*Report, error) { return fixedReport(StateEnabled), nil }}
	l.check(context.Background())
	l.lastSent = time.Now().Add(-2 * time.Hour)
	l.check(context.Background())
	if got := rec.count(); got != 2 {
		t.Errorf("got %d reports sent, want 2 after the interval passed", got)
	}
}

func TestLoopRetriesAfterSendFailure(t *testing.T) {
	rec := &recorder{down: true}
	l := &Loop{Interval: time.Hour, Sender: rec, Log: discard,
		Collect: func(context.Context) (*Report, error) { return fixedReport(StateEnabled), nil }}
	l.check(context.Background())
	rec.down = false
	l.check(context.Background())
	if got := rec.count(); got != 1 {
		t.Errorf("got %d reports sent, want 1 once the link is back", got)
	}
}

func TestLoopRun(t *testing.T) {
	rec := &recorder{}
	l := &Loop{Interval: time.Hour, CheckInterval: time.Millisecond, Sender: rec, Log: discard,
		Collect: func(context.Context) (*Report, error) { return fixedReport(StateEnabled), nil }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for rec.count() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if rec.count() != 1 {
		t.Errorf("got %d reports sent, want 1", rec.count())
	}
}

func TestSameFactsIgnoresVolatile(t *testing.T) {
	seen := time.Now()
	a := fixedReport(StateEnabled)
	b := fixedReport(StateEnabled)
	b.CollectedAt = a.CollectedAt.Add(time.Minute)
	b.AgentUptimeSeconds = a.AgentUptimeSeconds + 60
	b.Extension.LastSeen = &seen
	if !a.SameFacts(b) {
		t.Error("got different facts for reports that differ only in time fields")
	}
	b.Extension.Recent = true
	if a.SameFacts(b) {
		t.Error("got same facts although extension.recent changed")
	}
	if a.SameFacts(nil) {
		t.Error("got same facts for nil")
	}
}
