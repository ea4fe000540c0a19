package daemon

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parapet/agent/config"
	"parapet/protocol"

	"github.com/gorilla/websocket"
	"github.com/zalando/go-keyring"
)

// server is a minimal parapet-server: enrollment plus a websocket whose
// messages the test drives.
func server(t *testing.T) (*httptest.Server, chan *websocket.Conn) {
	t.Helper()
	conns := make(chan *websocket.Conn, 4)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.EnrollPath, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: "dev-7", Credential: "cred-7"})
	})
	mux.HandleFunc(protocol.AgentPath, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer cred-7" {
			http.Error(w, "unknown credential", http.StatusUnauthorized)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err == nil {
			conns <- ws
		}
	})
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	return srv, conns
}

func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func recv(t *testing.T, ws *websocket.Conn, want protocol.Type) *protocol.Message {
	t.Helper()
	for {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", want, err)
		}
		msg, err := protocol.Decode(data)
		if err != nil {
			t.Fatalf("invalid message: %v", err)
		}
		if msg.Type == want {
			return msg
		}
	}
}

func sendMsg(t *testing.T, ws *websocket.Conn, id string, body protocol.Body) {
	t.Helper()
	data, err := protocol.Encode(id, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatal(err)
	}
}

func TestAgentEndToEnd(t *testing.T) {
	keyring.MockInitWithError(errors.New("no keyring in this test"))
	srv, conns := server(t)
	state := t.TempDir()
	cfg := config.Default()
	cfg.ServerURL = srv.URL
	cfg.ServerCAFile = writeCA(t, srv)
	cfg.StateDir = filepath.Join(state, "agent")
	cfg.BridgeListen = "127.0.0.1:0"
	cfg.User = "alice"
	cfg.VerdictTimeout = 2 * time.Second
	cfg.ReconnectMin, cfg.ReconnectMax = 10*time.Millisecond, 50*time.Millisecond
	t.Setenv(config.EnrollTokenEnv, "token-1")

	d, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	up := <-conns
	recv(t, up, protocol.TypePostureReport)
	sendMsg(t, up, "", &protocol.PolicyUpdate{Revision: 1, Apps: []protocol.App{
		{ID: "payroll", Hosts: []string{"payroll.corp.test"}, Sensitive: true}}})

	h := http.Header{"Origin": []string{"chrome-extension://" + config.DevExtensionID}}
	ext, _, err := websocket.DefaultDialer.Dial("ws://"+d.BridgeAddr()+protocol.BridgePath, h)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	sendMsg(t, ext, "ext-1", &protocol.Hello{Peer: "extension", Software: "ext"})
	if hello := recv(t, ext, protocol.TypeHello).Payload.(*protocol.Hello); hello.DeviceID != "dev-7" {
		t.Errorf("got device id %q, want dev-7", hello.DeviceID)
	}
	if u := recv(t, ext, protocol.TypePolicyUpdate).Payload.(*protocol.PolicyUpdate); u.Revision != 1 {
		t.Errorf("got revision %d, want 1", u.Revision)
	}
	if _, err := os.Stat(filepath.Join(cfg.StateDir, "policy.json")); err != nil {
		t.Errorf("policy not cached: %v", err)
	}

	// Online: the server's verdict reaches the extension under its id.
	req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "payroll.corp.test",
		PageURL: "https://payroll.corp.test/", TabID: 3}
	sendMsg(t, ext, "ext-2", req)
	fwd := recv(t, up, protocol.TypeActionRequest)
	sendMsg(t, up, "", &protocol.Verdict{RequestID: fwd.ID, Decision: protocol.DecisionWarn, Reason: "p1",
		PolicyIDs: []string{"p1"}, EventID: "act-1"})
	v := recv(t, ext, protocol.TypeVerdict).Payload.(*protocol.Verdict)
	if v.RequestID != "ext-2" || v.Decision != protocol.DecisionWarn {
		t.Errorf("got %+v, want the server's warn for ext-2", v)
	}

	// Offline: the sensitive app fails closed, and the decision is
	// delivered as an activity report on the next link.
	up.Close()
	waitDisconnected(t, d)
	sendMsg(t, ext, "ext-3", req)
	v = recv(t, ext, protocol.TypeVerdict).Payload.(*protocol.Verdict)
	if v.Decision != protocol.DecisionBlock || v.EventID != "local-ext-3" {
		t.Errorf("got %+v, want a local block with event id local-ext-3", v)
	}
	up = <-conns
	defer up.Close()
	msg := recv(t, up, protocol.TypeActivityLog)
	if r := msg.Payload.(*protocol.ActivityReport); r.RequestID != "ext-3" || r.Decision != protocol.DecisionBlock {
		t.Errorf("got report %+v, want ext-3 blocked", r)
	}
	sendMsg(t, up, "", &protocol.Ack{RefID: msg.ID})
	deadline := time.Now().Add(10 * time.Second)
	for d.queue.Len() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := d.queue.Len(); n != 0 {
		t.Errorf("got %d queued after the ack, want 0", n)
	}
}

func waitDisconnected(t *testing.T, d *Daemon) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.uplink.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("uplink still connected after the server closed it")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNewNeedsToken(t *testing.T) {
	keyring.MockInitWithError(errors.New("no keyring in this test"))
	t.Setenv(config.EnrollTokenEnv, "")
	cfg := config.Default()
	cfg.ServerURL = "https://127.0.0.1:1"
	cfg.StateDir = t.TempDir()
	cfg.BridgeListen = "127.0.0.1:0"
	_, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		t.Fatal("got nil, want an error naming the missing enrollment token")
	}
}

func TestStateDirMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := prepareStateDir(dir); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(dir)
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("got mode %04o, want 0700", perm)
	}
}
