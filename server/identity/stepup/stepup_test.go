package stepup_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	pqtotp "github.com/pquerna/otp/totp"

	"parapet/server/auth"
	"parapet/server/identity"
	"parapet/server/identity/memory"
	"parapet/server/identity/stepup"
	"parapet/server/identity/totp"
)

type fixture struct {
	store    *memory.Store
	users    *identity.Directory
	sessions *identity.Sessions
	registry *stepup.Registry
	totp     *totp.Authenticator
	mux      *http.ServeMux
	user     identity.User
	session  identity.Session
	secret   string

	mu       sync.Mutex
	attempts []stepup.Attempt
}

func newFixture(t *testing.T, timeout time.Duration) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{store: &memory.Store{}}
	f.users = &identity.Directory{Store: f.store, PasswordParams: auth.Params{Memory: 1024, Time: 1, Threads: 1}}
	f.sessions = &identity.Sessions{Store: f.store}
	f.registry = &stepup.Registry{Sessions: f.sessions, Timeout: timeout, MaxAttempts: 3,
		OnAttempt: func(_ context.Context, a stepup.Attempt) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.attempts = append(f.attempts, a)
		}}
	// Confirming four steps in the past leaves the codes around now unused.
	past := time.Now().Add(-4 * totp.Period)
	f.totp = &totp.Authenticator{Store: f.store, Issuer: "Parapet", Now: func() time.Time { return past }}
	var err error
	if f.user, err = f.users.CreateLocalUser(ctx, identity.NewLocalUser{Email: "ana@example.org", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	if f.session, _, err = f.sessions.Create(ctx, identity.NewSession{UserID: f.user.ID}); err != nil {
		t.Fatal(err)
	}
	key, err := f.totp.Begin(ctx, f.user.ID, f.user.Email)
	if err != nil {
		t.Fatal(err)
	}
	f.secret = key.Secret
	if err := f.totp.Confirm(ctx, f.user.ID, f.code(t, past)); err != nil {
		t.Fatal(err)
	}
	f.totp.Now = nil
	h := &stepup.Handler{Registry: f.registry, Users: f.users, TOTP: f.totp}
	f.mux = http.NewServeMux()
	h.Register(f.mux)
	return f
}

func (f *fixture) code(t *testing.T, at time.Time) string {
	t.Helper()
	c, err := pqtotp.GenerateCode(f.secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) hold(t *testing.T) stepup.Action {
	t.Helper()
	a, err := f.registry.Hold(context.Background(), stepup.HoldRequest{UserID: f.user.ID, SessionID: f.session.ID,
		RequestID: "ext-0003", Reason: "Downloads from the CRM need a second factor."})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) postCode(id, code string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/stepup/"+id+"/totp", strings.NewReader(`{"code":"`+code+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = "192.0.2.10:50000"
	f.mux.ServeHTTP(rec, r)
	return rec
}

func (f *fixture) recorded() []stepup.Attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]stepup.Attempt(nil), f.attempts...)
}

func TestValidCodeSatisfiesAction(t *testing.T) {
	f := newFixture(t, time.Minute)
	a := f.hold(t)
	waited := make(chan stepup.Action, 1)
	go func() {
		got, err := f.registry.Wait(context.Background(), a.ID)
		if err != nil {
			t.Error(err)
		}
		waited <- got
	}()
	rec := f.postCode(a.ID, f.code(t, time.Now()))
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d (%s), want 200", rec.Code, rec.Body)
	}
	select {
	case got := <-waited:
		if got.Status != stepup.StatusSatisfied || got.Method != stepup.MethodTOTP {
			t.Errorf("Wait: got %s by %q, want satisfied by totp", got.Status, got.Method)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return after a valid code")
	}
	s, err := f.sessions.Get(context.Background(), f.session.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !s.AuthenticatedAt.After(f.session.AuthenticatedAt) {
		t.Errorf("got session authentication time %v, want after %v", s.AuthenticatedAt, f.session.AuthenticatedAt)
	}
	attempts := f.recorded()
	if len(attempts) != 1 || !attempts[0].OK || attempts[0].Method != stepup.MethodTOTP || attempts[0].IP.String() != "192.0.2.10" {
		t.Errorf("got attempts %+v, want one passed totp attempt from 192.0.2.10", attempts)
	}
}

func TestWrongCodeLeavesActionBlocked(t *testing.T) {
	f := newFixture(t, time.Minute)
	a := f.hold(t)
	wrong := "000000"
	if wrong == f.code(t, time.Now()) {
		wrong = "111111"
	}
	rec := f.postCode(a.ID, wrong)
	if rec.Code != http.StatusForbidden {
		t.Errorf("got status %d, want 403", rec.Code)
	}
	got, err := f.registry.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stepup.StatusPending || got.Attempts != 1 {
		t.Errorf("got %s after %d attempts, want pending after 1", got.Status, got.Attempts)
	}
	attempts := f.recorded()
	if len(attempts) != 1 || attempts[0].OK || strings.Contains(attempts[0].Error, wrong) {
		t.Errorf("got attempts %+v, want one failed attempt whose error omits the code", attempts)
	}
}

func TestReplayedCodeIsRejected(t *testing.T) {
	f := newFixture(t, time.Minute)
	code := f.code(t, time.Now())
	first := f.hold(t)
	if rec := f.postCode(first.ID, code); rec.Code != http.StatusOK {
		t.Fatalf("first use: got status %d, want 200", rec.Code)
	}
	second := f.hold(t)
	if rec := f.postCode(second.ID, code); rec.Code != http.StatusForbidden {
		t.Errorf("replay on another action: got status %d, want 403", rec.Code)
	}
	if got, _ := f.registry.Get(second.ID); got.Status != stepup.StatusPending {
		t.Errorf("got %s, want pending", got.Status)
	}
}

func TestMaxAttemptsFailsAction(t *testing.T) {
	f := newFixture(t, time.Minute)
	a := f.hold(t)
	for range 3 {
		f.postCode(a.ID, "abcdef")
	}
	got, err := f.registry.Wait(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stepup.StatusFailed {
		t.Errorf("after 3 wrong codes: got %s, want failed", got.Status)
	}
	if rec := f.postCode(a.ID, f.code(t, time.Now())); rec.Code != http.StatusConflict {
		t.Errorf("valid code after failure: got status %d, want 409", rec.Code)
	}
	if got, _ := f.registry.Get(a.ID); got.Status != stepup.StatusFailed {
		t.Errorf("got %s, want it to stay failed", got.Status)
	}
}

func TestTimeoutExpiresAction(t *testing.T) {
	f := newFixture(t, 50*time.Millisecond)
	a := f.hold(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := f.registry.Wait(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != stepup.StatusExpired {
		t.Errorf("got %s, want expired", got.Status)
	}
	if rec := f.postCode(a.ID, f.code(t, time.Now())); rec.Code != http.StatusConflict {
		t.Errorf("valid code after expiry: got status %d, want 409", rec.Code)
	}
}

func TestWaitHonorsContext(t *testing.T) {
	f := newFixture(t, time.Minute)
	a := f.hold(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.registry.Wait(ctx, a.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want context.DeadlineExceeded", err)
	}
	if got, _ := f.registry.Get(a.ID); got.Status != stepup.StatusPending {
		t.Errorf("got %s, want pending", got.Status)
	}
	if _, err := f.registry.Wait(context.Background(), "stp_unknown"); !errors.Is(err, stepup.ErrNotFound) {
		t.Errorf("unknown id: got %v, want ErrNotFound", err)
	}
}

func TestStepUpPage(t *testing.T) {
	f := newFixture(t, time.Minute)
	a := f.hold(t)
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, httptest.NewRequest("GET", stepup.URL(a.ID), nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `action="/stepup/`+a.ID+`/totp"`) {
		t.Errorf("got status %d, want 200 and a TOTP form", rec.Code)
	}
	if strings.Contains(body, "security key") {
		t.Error("got a WebAuthn button without WebAuthn configured")
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("got CSP %q, want default-src 'none'", csp)
	}
	form := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/stepup/"+a.ID+"/totp", strings.NewReader(url.Values{"code": {f.code(t, time.Now())}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f.mux.ServeHTTP(form, r)
	if form.Code != http.StatusOK || !strings.Contains(form.Body.String(), "Verified") {
		t.Errorf("form post: got status %d, want 200 and the verified message", form.Code)
	}
}
