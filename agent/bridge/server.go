// Package bridge is the agent's loopback websocket server for the browser
// extension. It accepts only upgrade requests that carry a loopback Host
// and the Origin of an allowed extension, relays action requests to a
// Decider and pushes policy updates to every connected extension.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"parapet/agent/upload"
	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// MaxConns is the number of extension connections served at once. Each
// browser profile with the extension holds one.
const MaxConns = 16

// Decider returns the verdict for an action request that the extension
// sent under envelope id. The relay implements it.
type Decider interface {
	Decide(ctx context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict
}

// Config sets up a Server.
type Config struct {
	// AllowedIDs are the extension ids whose Origin is accepted.
	AllowedIDs []string
	Decider    Decider
	// DeviceID returns the enrolled device id, or "" before enrollment.
	DeviceID func() string
	// Policy returns the current policy update, or nil.
	Policy   func() *protocol.PolicyUpdate
	User     string
	Software string
	Log      *slog.Logger
	// Uploads inspects the content of uploads before they are relayed.
	// Nil relays uploads without their content.
	Uploads *upload.Inspector
	// UploadStall is how long an upload may go without a chunk before it
	// is blocked. Zero means DefaultUploadStall.
	UploadStall time.Duration
}

// Server is the bridge. Create it with New and run it with Serve.
type Server struct {
	cfg     Config
	allowed map[string]bool
	slots   chan struct{}

	mu    sync.Mutex
	conns map[*conn]struct{}

	// rejectLog limits the log lines of rejected upgrades.
	rejectLog *logLimiter

	// lastMessage is the Unix time in nanoseconds of the last frame read
	// from any extension, or 0.
	lastMessage atomic.Int64
}

// LastMessage returns when an extension last sent a message or a pong, or the zero time when none has since the bridge started.
func (s *Server) LastMessage() time.Time {
	n := s.lastMessage.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func (s *Server) touch() { s.lastMessage.Store(time.Now().UnixNano()) }

// New returns a bridge server.
func New(cfg Config) *Server {
	allowed := make(map[string]bool, len(cfg.AllowedIDs))
	for _, id := range cfg.AllowedIDs {
		allowed[id] = true
	}
	return &Server{cfg: cfg, allowed: allowed, slots: make(chan struct{}, MaxConns), conns: map[*conn]struct{}{},
		rejectLog: &logLimiter{interval: time.Second}}
}

// Serve accepts extension connections on ln until ctx is cancelled, then
// closes ln and every connection. ln must listen on a loopback TCP
// address, and its port is the only one accepted in the Host header.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("serving bridge: %s is not a TCP listener", ln.Addr())
	}
	mux := http.NewServeMux()
	mux.Handle(protocol.BridgePath, s.handler(allowedHosts(addr.Port)))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.cfg.Log.Info("bridge listening", "address", addr.String())
	select {
	case err := <-errc:
		return fmt.Errorf("serving bridge: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	s.closeAll()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving bridge: %w", err)
	}
	return nil
}

func (s *Server) handler(hosts map[string]bool) http.Handler {
	upgrader := websocket.Upgrader{
		// The handler has checked Host and Origin already. Repeating the
		// check here keeps gorilla's permissive default from ever applying.
		CheckOrigin: func(r *http.Request) bool { return checkHandshake(r, hosts, s.allowed) == "" },
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if reason := checkHandshake(r, hosts, s.allowed); reason != "" {
			if ok, held := s.rejectLog.allow(time.Now()); ok {
				s.cfg.Log.Warn("bridge upgrade rejected", "reason", reason, "host", r.Host,
					"origin", r.Header.Get("Origin"), "remote_addr", r.RemoteAddr, "suppressed", held)
			}
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		select {
		case s.slots <- struct{}{}:
		default:
			s.cfg.Log.Warn("bridge connection limit reached", "limit", MaxConns)
			http.Error(w, "too many extension connections", http.StatusServiceUnavailable)
			return
		}
		defer func() { <-s.slots }()
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			s.cfg.Log.Warn("bridge upgrade failed", "error", err)
			return
		}
		s.serveConn(ws, r.Header.Get("Origin"))
	})
}

func (s *Server) add(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = struct{}{}
}

func (s *Server) remove(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

func (s *Server) snapshot() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

func (s *Server) closeAll() {
	for _, c := range s.snapshot() {
		c.close()
	}
}

// Broadcast sends u to every connected extension.
func (s *Server) Broadcast(u *protocol.PolicyUpdate) {
	for _, c := range s.snapshot() {
		if err := c.send("", u); err != nil {
			s.cfg.Log.Warn("policy update not sent to extension", "origin", c.origin, "error", err)
		}
	}
}
