package uplink

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"parapet/agent/queue"
	"parapet/protocol"

	"github.com/gorilla/websocket"
)

const revokedMessage = "This device is no longer trusted by your organization. Contact IT."

// revokingServer accepts the first connection, sends the device_revoked
// error and closes it. Every later connection gets 401 with the
// device_revoked body, as parapet-server does after a revocation.
func revokingServer(t *testing.T, onLink bool) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var attempts atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := attempts.Add(1)
		if !onLink || n > 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"`+revokedMessage+`","code":"device_revoked"}`)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for range 2 { // hello and posture.report
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
		data, _ := protocol.Encode("", &protocol.Error{Code: CodeDeviceRevoked, Message: revokedMessage})
		ws.WriteMessage(websocket.TextMessage, data)
		time.Sleep(50 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	return srv, &attempts
}

func TestRevokedStopsReconnecting(t *testing.T) {
	cases := []struct {
		name   string
		onLink bool
	}{
		{"error on open link", true},
		{"401 on connect", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, attempts := revokingServer(t, tc.onLink)
			q, err := queue.Open(filepath.Join(t.TempDir(), "queue"), queue.DefaultLimits, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			changes := make(chan *protocol.AccessChanged, 4)
			c := New(Config{
				ServerURL: srv.URL,
				TLS:       srv.Client().Transport.(*http.Transport).TLSClientConfig,
				Credential: func(context.Context) (protocol.EnrollResponse, error) {
					return protocol.EnrollResponse{DeviceID: "dev-1", Credential: "dev-1.secret"}, nil
				},
				User: "ana@corp.test",
				Posture: func(context.Context) (*protocol.PostureReport, error) {
					return &protocol.PostureReport{OS: "linux", CollectedAt: time.Now()}, nil
				},
				OnPolicy:        func(*protocol.PolicyUpdate) {},
				OnAccessChanged: func(a *protocol.AccessChanged) { changes <- a },
				Queue:           q,
				ReconnectMin:    5 * time.Millisecond, ReconnectMax: 10 * time.Millisecond,
				Log: slog.New(slog.DiscardHandler),
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- c.Run(ctx) }()
			defer func() { cancel(); <-done }()

			select {
			case a := <-changes:
				if a.State != protocol.AccessRevoked {
					t.Errorf("state = %q, want %q", a.State, protocol.AccessRevoked)
				}
				if a.Message != revokedMessage {
					t.Errorf("message = %q", a.Message)
				}
				if a.User != "ana@corp.test" {
					t.Errorf("user = %q", a.User)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no access.changed after revocation")
			}
			msg, revoked := c.Revoked()
			if !revoked || msg != revokedMessage {
				t.Errorf("Revoked() = %q, %v", msg, revoked)
			}
			before := attempts.Load()
			time.Sleep(200 * time.Millisecond) // 20 reconnect intervals
			if after := attempts.Load(); after > before+1 {
				t.Errorf("client connected %d more times after revocation", after-before)
			}
			select {
			case a := <-changes:
				t.Errorf("second access.changed %+v", a)
			default:
			}
		})
	}
}
