package hub_test

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pquerna/otp/totp"

	"parapet/protocol"
	"parapet/server/access"
	"parapet/server/anomaly"
	"parapet/server/api"
	"parapet/server/auth"
	"parapet/server/hub"
	"parapet/server/identity"
	"parapet/server/identity/sqlstore"
	"parapet/server/identity/stepup"
	ptotp "parapet/server/identity/totp"
	"parapet/server/policy"
	"parapet/server/store"
)

const (
	enrollToken = "enroll-token-0123456789"
	adminToken  = "admin-token-0123456789"
)

const adaptivePolicies = `apps:
  - id: filestore
    hosts: ["127.0.0.1:8080"]
policies:
  - id: reauth-on-new-ip
    apps: [filestore]
    when: {session: {ip_changed: true}}
    decision: step_up
    max_age: 1m
  - id: block-card-paste
    apps: [filestore]
    activities: [paste]
    when: {file: {detectors: [payment_card]}}
    decision: block
    message: Card numbers cannot be pasted here.
  - id: monitor-filestore
    apps: [filestore]
    decision: monitor
`

type env struct {
	srv      *httptest.Server
	st       *store.SQLite
	ids      *sqlstore.Store
	users    *identity.Directory
	sessions *identity.Sessions
	registry *stepup.Registry
}

func startEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := policy.Parse("policies.yaml", []byte(adaptivePolicies))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(st, log, "parapet-server test", hub.Policies{Set: set, Revision: 1})
	ids := sqlstore.New(st.DB())
	e := &env{st: st, ids: ids}
	e.users = &identity.Directory{Store: ids, Org: identity.Organization{Domains: []string{"corp.test"}},
		PasswordParams: auth.Params{Memory: 1024, Time: 1, Threads: 1}}
	e.sessions = &identity.Sessions{Store: ids}
	e.registry = &stepup.Registry{Sessions: e.sessions, Timeout: 30 * time.Second, MaxAttempts: 1}
	detector, err := anomaly.New(anomaly.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	acc := &access.Service{Store: st, Anomaly: detector, Notifier: h}
	authenticator := &ptotp.Authenticator{Store: ids, Issuer: "Parapet"}
	mux := http.NewServeMux()
	(&stepup.Handler{Registry: e.registry, Users: e.users, TOTP: authenticator}).Register(mux)
	_, bundleKey, _ := ed25519.GenerateKey(nil)
	mux.Handle("/", api.New(api.Config{Store: st, Hub: h, Log: log, EnrollToken: api.NewSecret(enrollToken),
		AdminToken: api.NewSecret(adminToken), BundleKey: bundleKey,
		Identity: &api.Identity{Users: e.users, Sessions: e.sessions, Store: ids, TOTP: authenticator, Access: acc, Alerts: st}}))
	e.srv = httptest.NewUnstartedServer(mux)
	// The listener takes connections on every loopback address, so a
	// link bound to 127.0.0.2 reaches it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Listener = ln
	e.srv.StartTLS()
	h.SetIdentity(&hub.Identity{Users: e.users, Sessions: e.sessions, Scopes: ids, Registry: e.registry,
		Access: acc, PublicURL: e.srv.URL})
	t.Cleanup(func() {
		h.Close()
		e.srv.Close()
		st.Close()
	})
	return e
}

func (e *env) enroll(t *testing.T) string {
	t.Helper()
	body := `{"token":"` + enrollToken + `","user":"ana@corp.test","hostname":"ana-laptop","host_id":"h-1"}`
	resp, err := e.srv.Client().Post(e.srv.URL+protocol.EnrollPath, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out protocol.EnrollResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("enroll: status %d, error %v", resp.StatusCode, err)
	}
	return out.Credential
}

// connect opens an agent link from the local address source and reads
// the server's hello and policy.update.
func (e *env) connect(t *testing.T, credential, source string) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{TLSClientConfig: e.srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone(),
		NetDial: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}).Dial}
	dialer.TLSClientConfig.MinVersion = tls.VersionTLS12
	url := "wss" + strings.TrimPrefix(e.srv.URL, "https") + protocol.AgentPath
	conn, resp, err := dialer.Dial(url, http.Header{"Authorization": {"Bearer " + credential}})
	if err != nil {
		t.Fatalf("dial from %s: %v (%v)", source, err, resp)
	}
	t.Cleanup(func() { conn.Close() })
	for _, want := range []protocol.Type{protocol.TypeHello, protocol.TypePolicyUpdate} {
		if got := readMessage(t, conn); got.Type != want {
			t.Fatalf("got %s, want %s", got.Type, want)
		}
	}
	return conn
}

func readMessage(t *testing.T, conn *websocket.Conn) *protocol.Message {
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

func readVerdict(t *testing.T, conn *websocket.Conn) *protocol.Verdict {
	t.Helper()
	msg := readMessage(t, conn)
	v, ok := msg.Payload.(*protocol.Verdict)
	if !ok {
		t.Fatalf("got %s %+v, want a verdict", msg.Type, msg.Payload)
	}
	return v
}

func send(t *testing.T, conn *websocket.Conn, id string, body protocol.Body) {
	t.Helper()
	data, err := protocol.Encode(id, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatal(err)
	}
}

// signIn creates ana with a confirmed TOTP secret and a sign-in session,
// and returns the session token and the secret.
func (e *env) signIn(t *testing.T) (token, secret string) {
	t.Helper()
	ctx := context.Background()
	u, err := e.users.CreateLocalUser(ctx, identity.NewLocalUser{Email: "ana@corp.test", Password: "correct horse battery", Groups: []string{"finance"}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := api.EnrollTOTP(ctx, &ptotp.Authenticator{Store: e.ids, Issuer: "Parapet"}, e.ids, u)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err = e.sessions.Create(ctx, identity.NewSession{UserID: u.ID, IP: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	return token, key.Secret
}

func download(token, name string) *protocol.ActionRequest {
	return &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "127.0.0.1:8080",
		PageURL: "http://127.0.0.1:8080/", TargetURL: "http://127.0.0.1:8080/files/" + name,
		File: &protocol.FileInfo{Name: name, Size: 100}, SessionToken: token}
}

func (e *env) postTOTP(t *testing.T, link, code string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, link+"/totp", strings.NewReader(`{"code":"`+code+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// heldAfterIPChange signs in, acts from 127.0.0.1, reconnects from
// 127.0.0.2 and returns the new link with the step_up verdict it got.
func (e *env) heldAfterIPChange(t *testing.T) (*websocket.Conn, *protocol.Verdict, string) {
	t.Helper()
	credential := e.enroll(t)
	token, secret := e.signIn(t)
	first := e.connect(t, credential, "127.0.0.1")
	send(t, first, "req-1", download(token, "a.txt"))
	if v := readVerdict(t, first); v.Decision != protocol.DecisionMonitor {
		t.Fatalf("first action: got %q (%s), want monitor", v.Decision, v.Reason)
	}
	first.Close()

	second := e.connect(t, credential, "127.0.0.2")
	send(t, second, "req-2", download(token, "b.txt"))
	v := readVerdict(t, second)
	if v.Decision != protocol.DecisionStepUp {
		t.Fatalf("after IP change: got %q (%s), want step_up", v.Decision, v.Reason)
	}
	return second, v, secret
}

func TestIPChangeStepUpPasses(t *testing.T) {
	e := startEnv(t)
	link, held, secret := e.heldAfterIPChange(t)
	if held.RequestID != "req-2" {
		t.Errorf("got request id %q, want req-2", held.RequestID)
	}
	if !strings.HasPrefix(held.Link, e.srv.URL+"/stepup/stp_") {
		t.Errorf("got link %q, want %s/stepup/stp_…", held.Link, e.srv.URL)
	}
	if held.Message != hub.StepUpMessage {
		t.Errorf("got message %q, want %q", held.Message, hub.StepUpMessage)
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if status := e.postTOTP(t, held.Link, code); status != http.StatusOK {
		t.Fatalf("POST totp: got status %d, want 200", status)
	}
	final := readVerdict(t, link)
	if final.RequestID != "req-2" {
		t.Errorf("final verdict: got request id %q, want req-2", final.RequestID)
	}
	if final.Decision != protocol.DecisionMonitor {
		t.Errorf("final verdict: got %q (%s), want monitor", final.Decision, final.Reason)
	}
	if final.EventID == held.EventID {
		t.Errorf("final verdict reuses event id %s, want a second activity", final.EventID)
	}
	activities, err := e.st.ListActivities(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	decisions := []string{}
	for _, a := range activities {
		if a.RequestID == "req-2" {
			decisions = append(decisions, a.Decision)
		}
	}
	if strings.Join(decisions, ",") != "monitor,step_up" {
		t.Errorf("got logged decisions %v for req-2, want [monitor step_up] newest first", decisions)
	}
}

func TestIPChangeStepUpWrongCode(t *testing.T) {
	e := startEnv(t)
	link, held, _ := e.heldAfterIPChange(t)
	if status := e.postTOTP(t, held.Link, "000000"); status != http.StatusForbidden {
		t.Fatalf("POST totp: got status %d, want 403", status)
	}
	final := readVerdict(t, link)
	if final.Decision != protocol.DecisionBlock {
		t.Errorf("final verdict: got %q, want block", final.Decision)
	}
	if !strings.Contains(final.Message, "Step-up failed") {
		t.Errorf("got message %q, want the step-up failure message", final.Message)
	}
}

func adminPost(t *testing.T, e *env, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestAdminBlockPushesAccessChanged(t *testing.T) {
	e := startEnv(t)
	credential := e.enroll(t)
	token, _ := e.signIn(t)
	link := e.connect(t, credential, "127.0.0.1")
	send(t, link, "req-1", download(token, "a.txt"))
	readVerdict(t, link)

	u, err := e.users.Store.UserByEmail(context.Background(), "ana@corp.test")
	if err != nil {
		t.Fatal(err)
	}
	status, body := adminPost(t, e, "/api/v1/users/"+u.ID+"/block", `{"reason":"laptop reported stolen","duration":"1h"}`)
	if status != http.StatusOK {
		t.Fatalf("block: got status %d (%s), want 200", status, body)
	}
	msg := readMessage(t, link)
	change, ok := msg.Payload.(*protocol.AccessChanged)
	if !ok {
		t.Fatalf("got %s, want access.changed", msg.Type)
	}
	if change.State != protocol.AccessBlocked || change.User != "ana@corp.test" || change.Until == nil {
		t.Errorf("got access change %+v, want blocked for ana@corp.test with an end", change)
	}
	send(t, link, "req-2", download(token, "b.txt"))
	v := readVerdict(t, link)
	if v.Decision != protocol.DecisionBlock || !strings.Contains(v.Message, "laptop reported stolen") {
		t.Errorf("after block: got %q %q, want block naming the reason", v.Decision, v.Message)
	}

	if status, body := adminPost(t, e, "/api/v1/users/"+u.ID+"/unblock", ""); status != http.StatusOK {
		t.Fatalf("unblock: got status %d (%s), want 200", status, body)
	}
	if change := readMessage(t, link).Payload.(*protocol.AccessChanged); change.State != protocol.AccessRestored {
		t.Errorf("got state %q, want restored", change.State)
	}
	send(t, link, "req-3", download(token, "c.txt"))
	if v := readVerdict(t, link); v.Decision != protocol.DecisionMonitor {
		t.Errorf("after unblock: got %q, want monitor", v.Decision)
	}
}

func TestMassDownloadBlocksAndAlerts(t *testing.T) {
	e := startEnv(t)
	credential := e.enroll(t)
	link := e.connect(t, credential, "127.0.0.1")
	for i := 1; i <= 20; i++ {
		send(t, link, "dl-"+strings.Repeat("x", i), download("", "f.txt"))
		if v := readVerdict(t, link); v.Decision != protocol.DecisionMonitor {
			t.Fatalf("download %d: got %q (%s), want monitor", i, v.Decision, v.Reason)
		}
	}
	// The 21st download trips the detector, which first pushes
	// access.changed to the user's links and then blocks the download.
	send(t, link, "dl-21", download("", "f.txt"))
	if msg := readMessage(t, link); msg.Type != protocol.TypeAccessChanged {
		t.Fatalf("got %s, want access.changed", msg.Type)
	}
	v := readVerdict(t, link)
	if v.Decision != protocol.DecisionBlock || !strings.Contains(v.Message, "unusual activity") {
		t.Errorf("download 21: got %q %q, want block for unusual activity", v.Decision, v.Message)
	}
	send(t, link, "dl-22", download("", "f.txt"))
	if v := readVerdict(t, link); v.Decision != protocol.DecisionBlock {
		t.Errorf("download 22: got %q, want block", v.Decision)
	}
	logged, err := e.st.ListActivities(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if logged[1].RequestID != "dl-21" || logged[1].Decision != "block" {
		t.Errorf("got logged %s with decision %q, want dl-21 blocked", logged[1].RequestID, logged[1].Decision)
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/alerts?state=open", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Alerts []store.Alert `json:"alerts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(out.Alerts))
	}
	if a := out.Alerts[0]; a.Detector != "mass_download" || a.User != "ana@corp.test" || len(a.Evidence) != 21 {
		t.Errorf("got alert %+v, want mass_download of ana@corp.test with 21 evidence ids", a)
	}
}

func TestPasteDetectorPolicy(t *testing.T) {
	e := startEnv(t)
	link := e.connect(t, e.enroll(t), "127.0.0.1")
	tests := []struct {
		name      string
		detectors []string
		want      protocol.Decision
	}{
		{"card number", []string{"payment_card"}, protocol.DecisionBlock},
		{"plain text", nil, protocol.DecisionMonitor},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &protocol.ActionRequest{Activity: protocol.ActivityPaste, AppHost: "127.0.0.1:8080",
				PageURL: "http://127.0.0.1:8080/", File: &protocol.FileInfo{Name: "clipboard.txt", Size: 19,
					Detectors: tt.detectors, Inspection: protocol.InspectionComplete}}
			send(t, link, "paste-"+strings.Repeat("p", i+1), req)
			if v := readVerdict(t, link); v.Decision != tt.want {
				t.Errorf("got %q (%s), want %q", v.Decision, v.Reason, tt.want)
			}
		})
	}
}
