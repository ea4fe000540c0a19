package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"parapet/protocol"
	"parapet/server/auth"
)

// createEnrollToken creates an enrollment token through the API and
// returns the response.
func (s *testServer) createEnrollToken(t *testing.T, body string) createEnrollmentTokenResponse {
	t.Helper()
	var out createEnrollmentTokenResponse
	if status := s.doJSON(t, "POST", "/api/v1/enrollment-tokens", adminToken, body, &out); status != http.StatusCreated {
		t.Fatalf("create enrollment token: got status %d, want 201", status)
	}
	return out
}

// enrollWith posts an enrollment with token and hostID and returns the
// status and decoded body.
func (s *testServer) enrollWith(t *testing.T, token, user, hostID string) (int, map[string]any) {
	t.Helper()
	body := fmt.Sprintf(`{"token":%q,"user":%q,"hostname":"laptop","host_id":%q}`, token, user, hostID)
	resp, out := s.post(t, protocol.EnrollPath, body)
	return resp.StatusCode, out
}

func TestEnrollmentTokenLifecycle(t *testing.T) {
	s := startServer(t)
	created := s.createEnrollToken(t, `{"name":"kiosks","max_uses":2,"managed":true,"user":"kiosk@corp.test"}`)
	if !strings.HasPrefix(created.Secret, EnrollTokenPrefix) {
		t.Fatalf("got token %q, want prefix %s", created.Secret, EnrollTokenPrefix)
	}
	if created.UsesLeft != 2 || created.State != tokenActive {
		t.Errorf("got uses_left %d state %q, want 2 active", created.UsesLeft, created.State)
	}
	stored, err := s.store.EnrollmentToken(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.SHA256, auth.HashToken(created.Secret)) {
		t.Error("stored hash is not the SHA-256 of the token")
	}

	status, out := s.enrollWith(t, created.Secret, "someone@corp.test", "h-1")
	if status != http.StatusOK {
		t.Fatalf("enroll: got status %d (%v), want 200", status, out)
	}
	device, err := s.store.Device(context.Background(), out["device_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if device.User != "kiosk@corp.test" || !device.Managed || device.EnrollmentTokenID != created.ID {
		t.Errorf("got user %q managed %v token %q, want kiosk@corp.test, managed, %s", device.User, device.Managed, device.EnrollmentTokenID, created.ID)
	}

	var list struct {
		Tokens []map[string]any `json:"enrollment_tokens"`
	}
	if status := s.doJSON(t, "GET", "/api/v1/enrollment-tokens", adminToken, "", &list); status != http.StatusOK {
		t.Fatalf("list: got status %d, want 200", status)
	}
	if len(list.Tokens) != 1 {
		t.Fatalf("got %d tokens, want 1", len(list.Tokens))
	}
	if list.Tokens[0]["uses_left"] != 1.0 || list.Tokens[0]["uses"] != 1.0 {
		t.Errorf("got uses %v uses_left %v, want 1 and 1", list.Tokens[0]["uses"], list.Tokens[0]["uses_left"])
	}
	for _, secretField := range []string{"token", "sha256", "token_sha256"} {
		if _, leaked := list.Tokens[0][secretField]; leaked {
			t.Errorf("list contains %q", secretField)
		}
	}

	var revoked enrollmentTokenView
	if status := s.doJSON(t, "POST", "/api/v1/enrollment-tokens/"+created.ID+"/revoke", adminToken, "", &revoked); status != http.StatusOK {
		t.Fatalf("revoke: got status %d, want 200", status)
	}
	if revoked.State != tokenRevoked || revoked.RevokedAt == nil {
		t.Errorf("got state %q revoked_at %v, want revoked with a time", revoked.State, revoked.RevokedAt)
	}
	status, out = s.enrollWith(t, created.Secret, "a@corp.test", "h-2")
	if status != http.StatusUnauthorized || !strings.Contains(out["error"].(string), "revoked") {
		t.Errorf("enroll after revoke: got status %d (%v), want 401 naming revoked", status, out)
	}
	if got := s.auditActions(t); !slices.Equal(got, []string{"enrollment_token.revoke", "enrollment_token.create"}) {
		t.Errorf("got audit actions %v, want revoke then create", got)
	}
}

func TestEnrollmentTokenRejections(t *testing.T) {
	s := startServer(t)
	once := s.createEnrollToken(t, `{"name":"once"}`)
	soon := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	expiring := s.createEnrollToken(t, `{"name":"expiring","max_uses":5,"expires_at":"`+soon+`"}`)
	if status, out := s.enrollWith(t, once.Secret, "a@corp.test", "h-1"); status != http.StatusOK {
		t.Fatalf("first use: got status %d (%v), want 200", status, out)
	}
	time.Sleep(time.Until(expiring.ExpiresAt.Add(10 * time.Millisecond)))

	tests := []struct {
		name, token, want string
	}{
		{"used up", once.Secret, "no uses left"},
		{"expired", expiring.Secret, "expired"},
		{"unknown", EnrollTokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid enrollment token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := s.enrollWith(t, tt.token, "b@corp.test", "h-9")
			if status != http.StatusUnauthorized {
				t.Errorf("got status %d, want 401", status)
			}
			if msg, _ := out["error"].(string); !strings.Contains(msg, tt.want) {
				t.Errorf("got error %q, want it to contain %q", msg, tt.want)
			}
		})
	}
	var list struct {
		Tokens []enrollmentTokenView `json:"enrollment_tokens"`
	}
	s.doJSON(t, "GET", "/api/v1/enrollment-tokens", adminToken, "", &list)
	states := map[string]string{}
	for _, tok := range list.Tokens {
		states[tok.Name] = tok.State
	}
	if states["once"] != tokenUsedUp || states["expiring"] != tokenExpired {
		t.Errorf("got states %v, want once used_up and expiring expired", states)
	}
}

// TestEnrollmentSingleUseRace sends concurrent enrollments with one
// single-use token; exactly one may succeed.
func TestEnrollmentSingleUseRace(t *testing.T) {
	s := startServer(t)
	created := s.createEnrollToken(t, `{"name":"race"}`)
	const racers = 2
	statuses := make([]int, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := fmt.Sprintf(`{"token":%q,"user":"u@corp.test","hostname":"h","host_id":"host-%d"}`, created.Secret, i)
			req, _ := http.NewRequest(http.MethodPost, s.URL+protocol.EnrollPath, strings.NewReader(body))
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{http.StatusOK, http.StatusUnauthorized}) {
		t.Errorf("got statuses %v, want one 200 and one 401", statuses)
	}
	devices, err := s.store.ListDevices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != 1 {
		t.Errorf("got %d devices, want 1", len(devices))
	}
}

func TestEnrollmentTokenCreateErrors(t *testing.T) {
	s := startServer(t)
	tests := []struct{ name, body, field string }{
		{"name missing", `{}`, "name"},
		{"max uses zero", `{"name":"n","max_uses":0}`, "max_uses"},
		{"max uses huge", `{"name":"n","max_uses":100001}`, "max_uses"},
		{"expiry past", `{"name":"n","expires_at":"2020-01-01T00:00:00Z"}`, "expires_at"},
		{"user control", `{"name":"n","user":"a\u0007"}`, "user"},
		{"unknown field", `{"name":"n","role":"admin"}`, "role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out errorBody
			if status := s.doJSON(t, "POST", "/api/v1/enrollment-tokens", adminToken, tt.body, &out); status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", status)
			}
			if out.Field != tt.field {
				t.Errorf("got field %q, want %q (%s)", out.Field, tt.field, out.Error)
			}
		})
	}
	if actions := s.auditActions(t); len(actions) != 0 {
		t.Errorf("got audit actions %v after rejected requests, want none", actions)
	}
}

func TestEnrollmentUnmanagedDefault(t *testing.T) {
	s := startServer(t)
	created := s.createEnrollToken(t, `{"name":"byod"}`)
	status, out := s.enrollWith(t, created.Secret, "b@corp.test", "")
	if status != http.StatusOK {
		t.Fatalf("got status %d (%v), want 200", status, out)
	}
	device, err := s.store.Device(context.Background(), out["device_id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if device.Managed {
		t.Error("got a managed device from a token created without managed")
	}
	if device.User != "b@corp.test" {
		t.Errorf("got user %q, want the request's b@corp.test", device.User)
	}
}

// TestReenrollRevokesOldDevice enrolls the same host twice: the first
// device is revoked, its link gets device_revoked, and the second works.
func TestReenrollRevokesOldDevice(t *testing.T) {
	s := startServer(t)
	first := s.enroll(t)
	conn := s.connect(t, first.Credential)
	second := s.enroll(t)
	if second.DeviceID == first.DeviceID {
		t.Fatalf("got the same device id %s twice, want a new device", first.DeviceID)
	}
	msg := read(t, conn)
	if e, ok := msg.Payload.(*protocol.Error); !ok || e.Code != "device_revoked" {
		t.Errorf("old link: got %s %+v, want error device_revoked", msg.Type, msg.Payload)
	}
	_, resp, err := s.dial(t, first.Credential)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old credential: got error %v, response %v; want 401", err, resp)
	}
	s.connect(t, second.Credential)
	old, err := s.store.Device(context.Background(), first.DeviceID)
	if err != nil {
		t.Fatal(err)
	}
	if old.RevokedAt.IsZero() {
		t.Error("old device is not revoked")
	}
}
