package api

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parapet/protocol"
	"parapet/server/hub"
	"parapet/server/policy"
	"parapet/server/store"
)

const (
	enrollToken = "enroll-token-0123456789"
	adminToken  = "admin-token-0123456789"
)

const testPolicies = `apps:
  - id: filestore
    name: Sample file store
    hosts: ["127.0.0.1:8080", "localhost:8080"]
    sensitive: true
policies:
  - id: block-docx-downloads
    apps: [filestore]
    activities: [download]
    files: ["*.docx"]
    decision: block
    message: "Word documents cannot be downloaded."
  - id: monitor-filestore
    apps: [filestore]
    decision: monitor
`

type testServer struct {
	*httptest.Server
	hub   *hub.Hub
	store *store.SQLite
	cfg   Config
	// initialDigest is the digest of testPolicies.
	initialDigest string
}

// srv returns a server with the test server's configuration, for reading
// its route table.
func (s *testServer) srv() *server { return newServer(s.cfg) }

func startServer(t *testing.T, options ...func(*Config)) *testServer {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	// The set is loaded from a real file, so GET /api/v1/policy can reread
	// its source.
	policyFile := filepath.Join(t.TempDir(), "policies.yaml")
	if err := os.WriteFile(policyFile, []byte(testPolicies), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := policy.Load(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(st, log, "parapet-server test", hub.Policies{Set: set, Revision: 7})
	_, bundleKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: st, Hub: h, Log: log, EnrollToken: NewSecret(enrollToken), AdminToken: NewSecret(adminToken),
		PasswordParams: testParams, BundleKey: bundleKey}
	for _, option := range options {
		option(&cfg)
	}
	handler := New(cfg)
	srv := httptest.NewTLSServer(handler)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		st.Close()
	})
	return &testServer{Server: srv, hub: h, store: st, cfg: cfg, initialDigest: set.Digest}
}

func (s *testServer) post(t *testing.T, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := s.Client().Post(s.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func (s *testServer) enroll(t *testing.T) protocol.EnrollResponse {
	t.Helper()
	body := `{"token":"` + enrollToken + `","user":"ana@corp.test","hostname":"ana-laptop","host_id":"h-1"}`
	resp, out := s.post(t, protocol.EnrollPath, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enroll: got status %d (%v), want 200", resp.StatusCode, out)
	}
	return protocol.EnrollResponse{DeviceID: out["device_id"].(string), Credential: out["credential"].(string)}
}

func (s *testServer) dial(t *testing.T, credential string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	dialer := websocket.Dialer{TLSClientConfig: s.Client().Transport.(*http.Transport).TLSClientConfig,
		HandshakeTimeout: 5 * time.Second}
	header := http.Header{}
	if credential != "" {
		header.Set("Authorization", "Bearer "+credential)
	}
	url := "wss" + strings.TrimPrefix(s.URL, "https") + protocol.AgentPath
	conn, resp, err := dialer.Dial(url, header)
	if conn != nil {
		t.Cleanup(func() { conn.Close() })
	}
	return conn, resp, err
}

// connect dials with credential and reads the server's hello and
// policy.update.
func (s *testServer) connect(t *testing.T, credential string) *websocket.Conn {
	t.Helper()
	conn, resp, err := s.dial(t, credential)
	if err != nil {
		t.Fatalf("dial: %v (status %v)", err, resp)
	}
	hello := read(t, conn).Payload.(*protocol.Hello)
	if hello.Peer != "server" {
		t.Errorf("got hello peer %q, want server", hello.Peer)
	}
	update := read(t, conn).Payload.(*protocol.PolicyUpdate)
	if update.Revision != 7 || len(update.Apps) != 1 || update.Apps[0].ID != "filestore" {
		t.Errorf("got policy update %+v, want revision 7 with filestore", update)
	}
	return conn
}

func read(t *testing.T, conn *websocket.Conn) *protocol.Message {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	msg, err := protocol.Decode(data)
	if err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return msg
}

func write(t *testing.T, conn *websocket.Conn, id string, body protocol.Body) {
	t.Helper()
	data, err := protocol.Encode(id, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatal(err)
	}
}

func (s *testServer) activities(t *testing.T, token string) (int, []store.Activity) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/activities", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Activities []store.Activity `json:"activities"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Activities
}

func docxDownload() *protocol.ActionRequest {
	return &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "127.0.0.1:8080",
		PageURL: "http://127.0.0.1:8080/", TargetURL: "http://127.0.0.1:8080/files/q3.docx",
		File: &protocol.FileInfo{Name: "q3.docx", Size: 2048, MIMEType: "application/msword"}, TabID: 4}
}

func TestHealthz(t *testing.T) {
	s := startServer(t)
	resp, err := s.Client().Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("got status %d, want 200", resp.StatusCode)
	}
	if strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("got body %s", body)
	}
	if resp.TLS == nil {
		t.Error("got a response without TLS")
	}
}

func TestActionVerdictLogged(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	conn := s.connect(t, enrolled.Credential)

	write(t, conn, "ext-0003", docxDownload())
	msg := read(t, conn)
	verdict, ok := msg.Payload.(*protocol.Verdict)
	if !ok {
		t.Fatalf("got %s, want verdict", msg.Type)
	}
	if verdict.RequestID != "ext-0003" {
		t.Errorf("got request_id %q, want ext-0003", verdict.RequestID)
	}
	if verdict.Decision != protocol.DecisionBlock {
		t.Errorf("got decision %q, want block", verdict.Decision)
	}
	if !slices.Equal(verdict.PolicyIDs, []string{"block-docx-downloads", "monitor-filestore"}) {
		t.Errorf("got policy ids %v", verdict.PolicyIDs)
	}
	if verdict.Message != "Word documents cannot be downloaded." {
		t.Errorf("got message %q", verdict.Message)
	}
	if verdict.EventID == "" {
		t.Fatal("got empty event_id")
	}

	status, activities := s.activities(t, adminToken)
	if status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	if len(activities) != 1 {
		t.Fatalf("got %d activities, want 1", len(activities))
	}
	a := activities[0]
	checks := []struct{ field, got, want string }{
		{"id", a.ID, verdict.EventID},
		{"user", a.User, "ana@corp.test"},
		{"device_id", a.DeviceID, enrolled.DeviceID},
		{"app_id", a.AppID, "filestore"},
		{"app_host", a.AppHost, "127.0.0.1:8080"},
		{"activity", a.Activity, "download"},
		{"file_name", a.FileName, "q3.docx"},
		{"file_mime", a.FileMIME, "application/msword"},
		{"page_url", a.PageURL, "http://127.0.0.1:8080/"},
		{"target_url", a.TargetURL, "http://127.0.0.1:8080/files/q3.docx"},
		{"source_ip", a.SourceIP, "127.0.0.1"},
		{"decision", a.Decision, "block"},
		{"reason", a.Reason, verdict.Reason},
		{"decided_by", a.DecidedBy, "server"},
		{"request_id", a.RequestID, "ext-0003"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.field, c.got, c.want)
		}
	}
	if a.FileSize == nil || *a.FileSize != 2048 {
		t.Errorf("file_size: got %v, want 2048", a.FileSize)
	}
	if !slices.Equal(a.PolicyIDs, verdict.PolicyIDs) {
		t.Errorf("policy_ids: got %v, want %v", a.PolicyIDs, verdict.PolicyIDs)
	}
}

func TestConnectRejectsCredentials(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	tests := []struct {
		name       string
		credential string
	}{
		{"missing", ""},
		{"no dot", "garbage"},
		{"unknown device", "dev-000000000000000000000000.c2VjcmV0"},
		{"wrong secret", enrolled.DeviceID + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := s.dial(t, tt.credential)
			if err == nil {
				t.Fatal("got a connection, want 401")
			}
			if resp == nil || resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("got response %v, want status 401", resp)
			}
		})
	}
}

func TestConnectRejectsBrowserOrigin(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	dialer := websocket.Dialer{TLSClientConfig: s.Client().Transport.(*http.Transport).TLSClientConfig}
	header := http.Header{"Authorization": {"Bearer " + enrolled.Credential}, "Origin": {"https://corp.test"}}
	conn, resp, err := dialer.Dial("wss"+strings.TrimPrefix(s.URL, "https")+protocol.AgentPath, header)
	if err == nil {
		conn.Close()
		t.Fatal("got a connection with a browser Origin, want it rejected")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("got response %v, want status 403", resp)
	}
}

func TestAdminRequiresToken(t *testing.T) {
	s := startServer(t)
	for _, token := range []string{"", "wrong-token-0123456789", enrollToken} {
		if status, _ := s.activities(t, token); status != http.StatusUnauthorized {
			t.Errorf("token %q: got status %d, want 401", token, status)
		}
	}
}

func TestAdminLimit(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		query string
		want  int
	}{
		{"", http.StatusOK},
		{"?limit=1", http.StatusOK},
		{"?limit=1000", http.StatusOK},
		{"?limit=0", http.StatusBadRequest},
		{"?limit=1001", http.StatusBadRequest},
		{"?limit=ten", http.StatusBadRequest},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/activities"+tt.query, nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%q: got status %d, want %d", tt.query, resp.StatusCode, tt.want)
		}
	}
}

func TestAdminLimitApplies(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	for _, id := range []string{"r1", "r2", "r3"} {
		write(t, conn, id, docxDownload())
		read(t, conn)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v1/activities?limit=2", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Activities []store.Activity `json:"activities"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if len(out.Activities) != 2 {
		t.Fatalf("got %d activities, want 2", len(out.Activities))
	}
	if out.Activities[0].RequestID != "r3" {
		t.Errorf("got newest request %q, want r3", out.Activities[0].RequestID)
	}
}

func TestMalformedMessageReplies(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	tests := []struct {
		name  string
		data  string
		code  string
		refID string
	}{
		{"truncated", `{"v":1,"type":"ping"`, protocol.CodeMalformed, ""},
		{"unknown type", `{"v":1,"type":"nope","id":"m-1","ts":"2026-12-03T10:00:00Z","body":{}}`, protocol.CodeUnknownType, "m-1"},
		{"version 2", `{"v":2,"type":"ping","id":"m-2","ts":"2026-12-03T10:00:00Z","body":{}}`, protocol.CodeUnsupportedVersion, "m-2"},
		{"bad activity", `{"v":1,"type":"action.request","id":"m-3","ts":"2026-12-03T10:00:00Z","body":{"activity":"fax","app_host":"h","page_url":"http://h/","tab_id":1}}`, protocol.CodeInvalidField, "m-3"},
		{"verdict from agent", `{"v":1,"type":"verdict","id":"m-4","ts":"2026-12-03T10:00:00Z","body":{"request_id":"x","decision":"allow","reason":"r","policy_ids":[],"event_id":"e"}}`, "unexpected_type", "m-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			msg := read(t, conn)
			reply, ok := msg.Payload.(*protocol.Error)
			if !ok {
				t.Fatalf("got %s, want error", msg.Type)
			}
			if reply.Code != tt.code {
				t.Errorf("got code %q, want %q (%s)", reply.Code, tt.code, reply.Message)
			}
			if reply.RefID != tt.refID {
				t.Errorf("got ref_id %q, want %q", reply.RefID, tt.refID)
			}
		})
	}

	// The link stays open after errors.
	write(t, conn, "p-1", &protocol.Ping{})
	if msg := read(t, conn); msg.Type != protocol.TypePong {
		t.Errorf("got %s after errors, want pong", msg.Type)
	}
}

func TestTooManyErrorsClose(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	for i := 0; i < 20; i++ {
		if err := conn.WriteMessage(websocket.TextMessage, []byte("{")); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		if msg := read(t, conn); msg.Type != protocol.TypeError {
			t.Fatalf("reply %d: got %s, want error", i, msg.Type)
		}
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Errorf("got %v, want a policy violation close", err)
	}
}

func TestActivityReportDedup(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	report := &protocol.ActivityReport{Request: *docxDownload(), RequestID: "ext-0009", Decision: protocol.DecisionBlock,
		Reason: "Parapet cannot reach its server.", DecidedAt: time.Date(2026, 12, 3, 10, 4, 58, 0, time.UTC)}
	for _, id := range []string{"agt-1", "agt-2"} {
		write(t, conn, id, report)
		msg := read(t, conn)
		ack, ok := msg.Payload.(*protocol.Ack)
		if !ok {
			t.Fatalf("%s: got %s, want ack", id, msg.Type)
		}
		if ack.RefID != id {
			t.Errorf("got ref_id %q, want %q", ack.RefID, id)
		}
	}
	_, activities := s.activities(t, adminToken)
	if len(activities) != 1 {
		t.Fatalf("got %d activities, want 1", len(activities))
	}
	a := activities[0]
	if a.DecidedBy != "agent" || a.RequestID != "ext-0009" || a.AppID != "filestore" {
		t.Errorf("got decided_by %q, request_id %q, app_id %q; want agent, ext-0009, filestore", a.DecidedBy, a.RequestID, a.AppID)
	}
	if !a.Time.Equal(report.DecidedAt) {
		t.Errorf("got time %v, want %v", a.Time, report.DecidedAt)
	}
}

func TestPostureStored(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	conn := s.connect(t, enrolled.Credential)
	write(t, conn, "agt-5", &protocol.PostureReport{OS: "linux", AgentVersion: "0.1.0", Hostname: "ana-laptop"})
	// The ping's pong proves the posture before it was handled.
	write(t, conn, "agt-6", &protocol.Ping{})
	read(t, conn)

	device, err := s.store.Device(context.Background(), enrolled.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	var posture protocol.PostureReport
	if err := json.Unmarshal(device.LastPosture, &posture); err != nil {
		t.Fatalf("decoding posture %s: %v", device.LastPosture, err)
	}
	if posture.OS != "linux" {
		t.Errorf("got os %q, want linux", posture.OS)
	}
	if device.LastIP != "127.0.0.1" {
		t.Errorf("got last_ip %q, want 127.0.0.1", device.LastIP)
	}
	if device.LastSeenAt.IsZero() {
		t.Error("got zero last_seen_at")
	}
	if !device.Managed {
		t.Error("got unmanaged device, want managed")
	}
}

func TestPolicyPush(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	set, err := policy.Parse("new.yaml", []byte("apps:\n  - id: wiki\n    hosts: [\"*.wiki.corp.test\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.hub.SetPolicies(hub.Policies{Set: set, Revision: 8})
	update, ok := read(t, conn).Payload.(*protocol.PolicyUpdate)
	if !ok {
		t.Fatal("got another message, want policy.update")
	}
	if update.Revision != 8 || update.Apps[0].ID != "wiki" {
		t.Errorf("got %+v, want revision 8 with wiki", update)
	}
}

func TestEnrollErrors(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"bad token", `{"token":"wrong-token-0123456789","user":"a","hostname":"h"}`, http.StatusUnauthorized, "token"},
		{"unknown field", `{"token":"` + enrollToken + `","user":"a","hostname":"h","admin":true}`, http.StatusBadRequest, "admin"},
		{"not json", `token=x`, http.StatusBadRequest, "invalid JSON"},
		{"trailing data", `{"token":"` + enrollToken + `","user":"a","hostname":"h"} {}`, http.StatusBadRequest, "trailing"},
		{"user missing", `{"token":"` + enrollToken + `","hostname":"h"}`, http.StatusBadRequest, "user: missing"},
		{"hostname missing", `{"token":"` + enrollToken + `","user":"a"}`, http.StatusBadRequest, "hostname: missing"},
		{"host_id long", `{"token":"` + enrollToken + `","user":"a","hostname":"h","host_id":"` + strings.Repeat("x", 257) + `"}`, http.StatusBadRequest, "host_id: longer"},
		{"control char", `{"token":"` + enrollToken + `","user":"a\u0007","hostname":"h"}`, http.StatusBadRequest, "user: contains control"},
		{"too large", `{"token":"` + strings.Repeat("x", 9000) + `"}`, http.StatusRequestEntityTooLarge, "larger than 8192"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := s.post(t, protocol.EnrollPath, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.status)
			}
			msg, _ := out["error"].(string)
			if !strings.Contains(msg, tt.want) {
				t.Errorf("got error %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}

func TestEnrollCredentialFormat(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	id, secret, ok := splitCredential(enrolled.Credential)
	if !ok || id != enrolled.DeviceID {
		t.Fatalf("got credential %q, want DEVICEID.SECRET for %s", enrolled.Credential, enrolled.DeviceID)
	}
	if len(secret) != 43 {
		t.Errorf("got secret length %d, want 43 (32 bytes in base64url)", len(secret))
	}
	device, err := s.store.Device(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(device.CredentialSHA256, []byte(secret)) || len(device.CredentialSHA256) != 32 {
		t.Errorf("got stored credential of %d bytes, want only its 32-byte SHA-256", len(device.CredentialSHA256))
	}
	if device.User != "ana@corp.test" || !device.Managed {
		t.Errorf("got user %q managed %v, want ana@corp.test managed", device.User, device.Managed)
	}
}
