// Package uplink keeps the agent's websocket link to parapet-server: it
// connects with the device credential, reconnects with backoff, forwards
// action requests and routes the verdicts back, delivers the offline
// activity queue and passes policy updates on.
package uplink

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"parapet/agent/queue"
	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// Config sets up a Client.
type Config struct {
	// ServerURL is the https URL of the server.
	ServerURL string
	// TLS is the websocket's TLS config, which must trust the server.
	TLS *tls.Config
	// Credential returns the device's enrollment, enrolling first when
	// needed. Run calls it before connecting until it succeeds.
	Credential func(context.Context) (protocol.EnrollResponse, error)
	// User and Software fill the agent's hello.
	User     string
	Software string
	// Posture collects the report sent after each hello.
	Posture func(context.Context) (*protocol.PostureReport, error)
	// OnPolicy receives every policy.update from the server.
	OnPolicy func(*protocol.PolicyUpdate)
	// OnAccessChanged receives every access.changed from the server. Nil
	// drops them.
	OnAccessChanged func(*protocol.AccessChanged)
	// SourceIP is the local address the TCP connection is bound to, such
	// as 127.0.0.2 in tests. Empty lets the system choose.
	SourceIP string
	// Queue holds the activity reports to deliver.
	Queue *queue.Queue
	// ReconnectMin and ReconnectMax bound the delay between attempts.
	ReconnectMin, ReconnectMax time.Duration
	// PingInterval is how often the agent pings the server. The link is
	// dropped after three intervals without any message. Zero means 30s.
	PingInterval time.Duration
	Log          *slog.Logger
}

// Client is the link to the server. Its methods are safe for concurrent
// use.
type Client struct {
	cfg      Config
	deviceID atomic.Value // string

	mu      sync.Mutex
	current *session

	pmu     sync.Mutex
	pending map[string]*pendingRequest

	revocation revocation
}

type pendingRequest struct {
	owner  *session
	result chan result
	// interim receives a step_up verdict while the request stays
	// pending; nil for Forward, whose callers take step_up as final.
	interim chan *protocol.Verdict
}

type result struct {
	verdict *protocol.Verdict
	err     error
}

// New returns a client that Run connects.
func New(cfg Config) *Client {
	if cfg.PingInterval == 0 {
		cfg.PingInterval = 30 * time.Second
	}
	c := &Client{cfg: cfg, pending: map[string]*pendingRequest{}}
	c.deviceID.Store("")
	return c
}

// DeviceID returns the enrolled device id, or "" before enrollment.
func (c *Client) DeviceID() string { return c.deviceID.Load().(string) }

// Connected reports whether the link is up.
func (c *Client) Connected() bool { return c.session() != nil }

func (c *Client) session() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current
}

func (c *Client) setSession(s *session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current = s
}

// Run obtains the credential, then connects and reconnects until ctx is
// cancelled. It returns nil on cancellation.
func (c *Client) Run(ctx context.Context) error {
	b := &backoff{min: c.cfg.ReconnectMin, max: c.cfg.ReconnectMax}
	enrollment, ok := c.obtainCredential(ctx, b)
	if !ok {
		return nil
	}
	c.deviceID.Store(enrollment.DeviceID)
	b.reset()
	for {
		delay := c.connectOnce(ctx, enrollment.Credential, b)
		if _, revoked := c.Revoked(); revoked {
			<-ctx.Done()
			return nil
		}
		if !sleep(ctx, delay) {
			return nil
		}
	}
}

func (c *Client) obtainCredential(ctx context.Context, b *backoff) (protocol.EnrollResponse, bool) {
	for {
		r, err := c.cfg.Credential(ctx)
		if err == nil {
			return r, true
		}
		delay := b.next()
		c.cfg.Log.Error("device credential unavailable, retrying", "error", err, "retry_in", delay)
		if !sleep(ctx, delay) {
			return r, false
		}
	}
}

// connectOnce dials, serves one session and returns the delay before the
// next attempt.
func (c *Client) connectOnce(ctx context.Context, credential string, b *backoff) time.Duration {
	ws, resp, err := c.dial(ctx, credential)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		if msg, revoked := revokedResponse(resp); revoked {
			c.Revoke(msg)
			return 0
		}
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			c.cfg.Log.Error("device credential rejected", "server_url", c.cfg.ServerURL, "retry_in", c.cfg.ReconnectMax)
			return c.cfg.ReconnectMax
		}
		delay := b.next()
		c.cfg.Log.Warn("server connection failed", "server_url", c.cfg.ServerURL, "error", err, "retry_in", delay)
		return delay
	}
	b.reset()
	c.cfg.Log.Info("server connected", "server_url", c.cfg.ServerURL)
	err = c.serve(ctx, newSession(ws))
	if ctx.Err() != nil {
		return 0
	}
	delay := b.next()
	c.cfg.Log.Warn("server connection lost", "error", err, "retry_in", delay)
	return delay
}

func (c *Client) dial(ctx context.Context, credential string) (*websocket.Conn, *http.Response, error) {
	d := websocket.Dialer{TLSClientConfig: c.cfg.TLS, HandshakeTimeout: 15 * time.Second}
	if netDial, err := sourceDialer(c.cfg.SourceIP); err != nil {
		return nil, nil, err
	} else if netDial != nil {
		d.NetDialContext = netDial
	}
	header := http.Header{"Authorization": []string{"Bearer " + credential}}
	ws, resp, err := d.DialContext(ctx, connectURL(c.cfg.ServerURL), header)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, resp, err
	}
	ws.SetReadLimit(protocol.MaxMessageSize)
	return ws, resp, nil
}

// connectURL turns the https server URL into the wss URL of AgentPath.
func connectURL(serverURL string) string {
	base := strings.TrimRight(serverURL, "/")
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		base = "wss://" + rest
	}
	return base + protocol.AgentPath
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Forward sends req to the server under a fresh envelope id and waits for
// the verdict, an error that refers to it, the end of the link or ctx. It
// returns ErrNotConnected at once when the link is down.
func (c *Client) Forward(ctx context.Context, req *protocol.ActionRequest) (*protocol.Verdict, error) {
	s := c.session()
	if s == nil {
		return nil, ErrNotConnected
	}
	id := protocol.NewID()
	p := &pendingRequest{owner: s, result: make(chan result, 1)}
	c.pmu.Lock()
	c.pending[id] = p
	c.pmu.Unlock()
	defer c.dropPending(id)

	if err := s.send(id, req); err != nil {
		return nil, err
	}
	select {
	case r := <-p.result:
		return r.verdict, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Client) dropPending(id string) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	delete(c.pending, id)
}

// resolve hands r to the request waiting under id and reports whether one
// was waiting.
func (c *Client) resolve(id string, r result) bool {
	c.pmu.Lock()
	p, ok := c.pending[id]
	delete(c.pending, id)
	c.pmu.Unlock()
	if ok {
		p.result <- r
	}
	return ok
}

// failPending ends every request sent on s, so callers fall back at once
// instead of waiting for their timeout.
func (c *Client) failPending(s *session) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	for id, p := range c.pending {
		if p.owner == s {
			p.result <- result{err: ErrNotConnected}
			delete(c.pending, id)
		}
	}
}

// SendPosture sends a posture report when the link is up.
func (c *Client) SendPosture(r *protocol.PostureReport) error {
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	return s.send("", r)
}

// errServer wraps an error message from the server.
type errServer struct{ body *protocol.Error }

func (e *errServer) Error() string { return "server error " + e.body.Code + ": " + e.body.Message }

// IsServerError reports whether err is an error message from the server.
func IsServerError(err error) bool {
	var e *errServer
	return errors.As(err, &e)
}
