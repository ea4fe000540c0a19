package uplink

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parapet/agent/credential"
	"parapet/agent/queue"
	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// fakeServer speaks just enough of parapet-server's side: enrollment, the
// bearer check and a websocket whose messages the test drives.
type fakeServer struct {
	*httptest.Server
	conns chan *websocket.Conn
	// remoteAddrs receives the source address of every websocket request.
	remoteAddrs chan string
	mu          sync.Mutex
	reject      bool
}

func newFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	f := &fakeServer{conns: make(chan *websocket.Conn, 8), remoteAddrs: make(chan string, 64)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.EnrollPath, func(w http.ResponseWriter, r *http.Request) {
		var req protocol.EnrollRequest
		if json.NewDecoder(r.Body).Decode(&req) != nil || req.Token != "enroll-me" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: "dev-1", Credential: "cred-1"})
	})
	mux.HandleFunc(protocol.AgentPath, func(w http.ResponseWriter, r *http.Request) {
		f.remoteAddrs <- r.RemoteAddr
		f.mu.Lock()
		reject := f.reject
		f.mu.Unlock()
		if reject || r.Header.Get("Authorization") != "Bearer cred-1" {
			http.Error(w, "unknown credential", http.StatusUnauthorized)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		f.conns <- ws
	})
	f.Server = httptest.NewTLSServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) setReject(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reject = v
}

func (f *fakeServer) tlsConfig() *tls.Config {
	return f.Client().Transport.(*http.Transport).TLSClientConfig
}

// accept waits for the next agent connection and reads its hello and
// posture report.
func (f *fakeServer) accept(t *testing.T) *websocket.Conn {
	t.Helper()
	var ws *websocket.Conn
	select {
	case ws = <-f.conns:
	case <-time.After(10 * time.Second):
		t.Fatal("agent did not connect")
	}
	t.Cleanup(func() { ws.Close() })
	hello, ok := read(t, ws).Payload.(*protocol.Hello)
	if !ok || hello.Peer != "agent" {
		t.Fatalf("got %+v, want the agent's hello first", hello)
	}
	if _, ok := read(t, ws).Payload.(*protocol.PostureReport); !ok {
		t.Fatal("second message is not a posture.report")
	}
	return ws
}

func read(t *testing.T, ws *websocket.Conn) *protocol.Message {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := protocol.Decode(data)
	if err != nil {
		t.Fatalf("agent sent an invalid message: %v", err)
	}
	return msg
}

func write(t *testing.T, ws *websocket.Conn, body protocol.Body) {
	t.Helper()
	data, err := protocol.Encode("", body)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatal(err)
	}
}

type harness struct {
	client   *Client
	queue    *queue.Queue
	store    credential.File
	policies chan *protocol.PolicyUpdate
	log      *syncBuffer
}

func startClient(t *testing.T, f *fakeServer, dir string, options ...func(*Config)) *harness {
	t.Helper()
	logBuf := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logBuf, nil))
	q, err := queue.Open(filepath.Join(dir, "queue"), queue.DefaultLimits, log)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{queue: q, store: credential.File{Path: filepath.Join(dir, "credential")},
		policies: make(chan *protocol.PolicyUpdate, 4), log: logBuf}
	enroller := &credential.Enroller{Client: f.Client(), ServerURL: f.URL,
		Request: protocol.EnrollRequest{Token: "enroll-me", User: "alice", Hostname: "h", HostID: "host-1"}}
	cfg := Config{
		ServerURL: f.URL,
		TLS:       f.tlsConfig(),
		Credential: func(ctx context.Context) (protocol.EnrollResponse, error) {
			return credential.Obtain(ctx, h.store, enroller)
		},
		User: "alice", Software: "test",
		Posture: func(context.Context) (*protocol.PostureReport, error) {
			return &protocol.PostureReport{OS: "linux", AgentVersion: "test", CollectedAt: time.Now()}, nil
		},
		OnPolicy:     func(u *protocol.PolicyUpdate) { h.policies <- u },
		Queue:        q,
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond,
		Log: log,
	}
	for _, option := range options {
		option(&cfg)
	}
	h.client = New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.client.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

// syncBuffer is a log sink that the client's goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEnrollStoresCredential(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, f, t.TempDir())
	ws := f.accept(t)
	got, err := h.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got.Credential != "cred-1" || got.DeviceID != "dev-1" {
		t.Errorf("got stored %+v, want dev-1/cred-1", got)
	}
	if h.client.DeviceID() != "dev-1" {
		t.Errorf("got device id %q, want dev-1", h.client.DeviceID())
	}
	write(t, ws, &protocol.PolicyUpdate{Revision: 2, Apps: []protocol.App{}})
	select {
	case u := <-h.policies:
		if u.Revision != 2 {
			t.Errorf("got revision %d, want 2", u.Revision)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("policy update not passed on")
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, f, t.TempDir())
	f.accept(t).Close()
	f.accept(t)
	waitFor(t, "connected", h.client.Connected)
}

func TestCredentialRejected(t *testing.T) {
	f := newFakeServer(t)
	f.setReject(true)
	dir := t.TempDir()
	h := startClient(t, f, dir)
	waitFor(t, "rejection logged", func() bool {
		return strings.Contains(logText(h), `msg="device credential rejected"`)
	})
	f.setReject(false)
	f.accept(t)
}

func logText(h *harness) string {
	h.log.mu.Lock()
	defer h.log.mu.Unlock()
	return h.log.buf.String()
}

func TestVerdictRouting(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, f, t.TempDir())
	ws := f.accept(t)
	waitFor(t, "connected", h.client.Connected)

	hosts := []string{"a.corp.test", "b.corp.test"}
	results := make(chan string, len(hosts))
	for _, host := range hosts {
		go func() {
			req := &protocol.ActionRequest{Activity: protocol.ActivityUpload, AppHost: host, PageURL: "https://" + host + "/"}
			v, err := h.client.Forward(context.Background(), req)
			if err != nil {
				results <- "error: " + err.Error()
				return
			}
			results <- host + "=" + v.Reason
		}()
	}
	var reqs []*protocol.Message
	for range hosts {
		reqs = append(reqs, read(t, ws))
	}
	// Answer in reverse order; each verdict must reach its own caller.
	for i := len(reqs) - 1; i >= 0; i-- {
		req := reqs[i].Payload.(*protocol.ActionRequest)
		write(t, ws, &protocol.Verdict{RequestID: reqs[i].ID, Decision: protocol.DecisionAllow,
			Reason: req.AppHost, PolicyIDs: []string{}, EventID: "ev-" + fmt.Sprint(i)})
	}
	got := map[string]bool{}
	for range hosts {
		got[<-results] = true
	}
	for _, host := range hosts {
		if !got[host+"="+host] {
			t.Errorf("caller for %s did not get its verdict; results %v", host, got)
		}
	}
}

func TestForwardNotConnected(t *testing.T) {
	c := New(Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	_, err := c.Forward(context.Background(), &protocol.ActionRequest{})
	if err != ErrNotConnected {
		t.Errorf("got %v, want ErrNotConnected", err)
	}
}

func TestForwardFailsOnDrop(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, f, t.TempDir())
	ws := f.accept(t)
	waitFor(t, "connected", h.client.Connected)
	errc := make(chan error, 1)
	go func() {
		req := &protocol.ActionRequest{Activity: protocol.ActivityPrint, AppHost: "a.test", PageURL: "https://a.test/"}
		_, err := h.client.Forward(context.Background(), req)
		errc <- err
	}()
	read(t, ws)
	ws.Close()
	select {
	case err := <-errc:
		if err != ErrNotConnected {
			t.Errorf("got %v, want ErrNotConnected", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Forward still waiting after the link dropped")
	}
}

func queued(id string) *protocol.ActivityReport {
	return &protocol.ActivityReport{
		Request:   protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "a.test", PageURL: "https://a.test/"},
		RequestID: id, Decision: protocol.DecisionAllow, Reason: "offline", DecidedAt: time.Now().UTC(),
	}
}

func readReport(t *testing.T, ws *websocket.Conn) (string, string) {
	t.Helper()
	for {
		msg := read(t, ws)
		if r, ok := msg.Payload.(*protocol.ActivityReport); ok {
			return msg.ID, r.RequestID
		}
	}
}

func TestQueueDeliveredInOrder(t *testing.T) {
	f := newFakeServer(t)
	dir := t.TempDir()
	pre, err := queue.Open(filepath.Join(dir, "queue"), queue.DefaultLimits, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"r1", "r2", "r3"} {
		if _, err := pre.Append(queued(id)); err != nil {
			t.Fatal(err)
		}
	}
	h := startClient(t, f, dir)
	ws := f.accept(t)

	var envs []string
	for _, want := range []string{"r1", "r2", "r3"} {
		env, got := readReport(t, ws)
		if got != want {
			t.Fatalf("got report %s, want %s", got, want)
		}
		envs = append(envs, env)
	}
	write(t, ws, &protocol.Ack{RefID: envs[0]})
	write(t, ws, &protocol.Ack{RefID: envs[1]})
	waitFor(t, "two items removed", func() bool { return h.queue.Len() == 1 })

	reopened, err := queue.Open(filepath.Join(dir, "queue"), queue.DefaultLimits, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if item, ok := reopened.After(""); !ok || item.Report.RequestID != "r3" {
		t.Errorf("got %+v after reopen, want only r3 left", item)
	}

	// The unacked item is sent again on the next link, then removed on ack.
	ws.Close()
	ws = f.accept(t)
	env, got := readReport(t, ws)
	if got != "r3" {
		t.Fatalf("redelivered %s, want r3", got)
	}
	if env != envs[2] {
		t.Errorf("got envelope id %s on redelivery, want the same %s", env, envs[2])
	}
	write(t, ws, &protocol.Ack{RefID: env})
	waitFor(t, "queue empty", func() bool { return h.queue.Len() == 0 })
}

func TestQueueLiveAppend(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, f, t.TempDir())
	ws := f.accept(t)
	waitFor(t, "connected", h.client.Connected)
	if _, err := h.queue.Append(queued("live-1")); err != nil {
		t.Fatal(err)
	}
	env, got := readReport(t, ws)
	if got != "live-1" {
		t.Fatalf("got %s, want live-1", got)
	}
	if h.queue.Len() != 1 {
		t.Errorf("got Len %d before the ack, want 1", h.queue.Len())
	}
	write(t, ws, &protocol.Ack{RefID: env})
	waitFor(t, "queue empty", func() bool { return h.queue.Len() == 0 })
}

func TestBackoffBounds(t *testing.T) {
	b := &backoff{min: 100 * time.Millisecond, max: time.Second}
	for i := range 50 {
		d := b.next()
		if d < b.min || d > b.max {
			t.Fatalf("attempt %d: got %s, want within [%s, %s]", i, d, b.min, b.max)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Errorf("got %s after reset, want at most 100ms", d)
	}
}
