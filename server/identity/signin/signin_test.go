package signin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"parapet/server/auth"
	"parapet/server/identity"
	"parapet/server/identity/memory"
	"parapet/server/identity/oidclogin"
	"parapet/server/identity/oidclogin/oidctest"
	"parapet/server/identity/signin"
)

const (
	extID = "ghbnpamloifnaljdabnaemelhpdehoae"
	state = "Zx8c1KQ0f3n-_pQa"
)

type fixture struct {
	users    *identity.Directory
	sessions *identity.Sessions
	mux      *http.ServeMux
}

func newFixture(t *testing.T, client *oidclogin.Client) *fixture {
	t.Helper()
	store := &memory.Store{}
	f := &fixture{users: &identity.Directory{Store: store, PasswordParams: auth.Params{Memory: 1024, Time: 1, Threads: 1}},
		sessions: &identity.Sessions{Store: store}}
	if _, err := f.users.CreateLocalUser(context.Background(), identity.NewLocalUser{Email: "ana@example.org", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	h := &signin.Handler{Users: f.users, Sessions: f.sessions, OIDC: client, ExtensionIDs: []string{extID}}
	f.mux = http.NewServeMux()
	h.Register(f.mux)
	if client != nil {
		f.mux.HandleFunc("GET /oidc/callback", client.ServeCallback)
	}
	return f
}

func (f *fixture) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r.RemoteAddr = "192.0.2.10:50000"
	f.mux.ServeHTTP(rec, r)
	return rec
}

// fragment checks that rec redirects to the done page and returns the
// values of its fragment.
func fragment(t *testing.T, rec *httptest.ResponseRecorder) url.Values {
	t.Helper()
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("got status %d (%s), want 303", rec.Code, rec.Body)
	}
	path, frag, ok := strings.Cut(rec.Header().Get("Location"), "#")
	if !ok || path != signin.DonePath {
		t.Fatalf("got Location %q, want %s#...", rec.Header().Get("Location"), signin.DonePath)
	}
	values, err := url.ParseQuery(frag)
	if err != nil {
		t.Fatal(err)
	}
	return values
}

func TestSignInPage(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"valid link", "ext=" + extID + "&state=" + state + "&app=crm", http.StatusOK},
		{"unlisted extension", "ext=" + strings.Repeat("a", 32) + "&state=" + state, http.StatusBadRequest},
		{"missing state", "ext=" + extID, http.StatusBadRequest},
		{"short state", "ext=" + extID + "&state=abc", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.serve(httptest.NewRequest("GET", "/signin?"+tt.query, nil))
			if rec.Code != tt.want {
				t.Fatalf("got status %d, want %d", rec.Code, tt.want)
			}
			if tt.want == http.StatusOK && strings.Contains(rec.Body.String(), "/signin/oidc") {
				t.Error("got an OIDC button without OIDC configured")
			}
		})
	}
}

func postLocal(f *fixture, password string) *httptest.ResponseRecorder {
	form := url.Values{"ext": {extID}, "state": {state}, "device": {"dev_1"}, "app": {"crm"},
		"email": {"ana@example.org"}, "password": {password}}
	r := httptest.NewRequest("POST", "/signin/local", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.serve(r)
}

func TestLocalSignInHandsOffToken(t *testing.T) {
	f := newFixture(t, nil)
	values := fragment(t, postLocal(f, "correct horse battery"))
	if values.Get("state") != state || values.Get("email") != "ana@example.org" || values.Get("expires_at") == "" {
		t.Errorf("got fragment %v, want the state, email and expiry", values)
	}
	s, err := f.sessions.Lookup(context.Background(), values.Get("token"))
	if err != nil {
		t.Fatalf("looking up the handed-off token: %v", err)
	}
	if s.DeviceID != "dev_1" || s.AppID != "crm" || s.FirstIP.String() != "192.0.2.10" {
		t.Errorf("got session %+v, want device dev_1, app crm, IP 192.0.2.10", s)
	}
}

func TestLocalSignInWrongPassword(t *testing.T) {
	f := newFixture(t, nil)
	rec := postLocal(f, "wrong horse battery")
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("got status %d, want 401", rec.Code)
	}
	if loc := rec.Header().Get("Location"); loc != "" {
		t.Errorf("got Location %q, want none", loc)
	}
}

func TestDonePageHeaders(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.serve(httptest.NewRequest("GET", signin.DonePath, nil))
	if rec.Code != http.StatusOK {
		t.Errorf("got status %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("got Referrer-Policy %q, want no-referrer", got)
	}
}

func TestOIDCSignIn(t *testing.T) {
	p := oidctest.New("parapet", "secret")
	defer p.Close()
	client, err := oidclogin.New(context.Background(), oidclogin.Config{Issuer: p.URL(), ClientID: "parapet",
		ClientSecret: "secret", RedirectURL: "https://parapet.test/oidc/callback", HTTPClient: p.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	p.Update(func(p *oidctest.Provider) { p.User.Email = "bo@example.org" })
	f := newFixture(t, client)
	start := f.serve(httptest.NewRequest("GET", "/signin/oidc?ext="+extID+"&state="+state, nil))
	if start.Code != http.StatusSeeOther {
		t.Fatalf("start: got status %d, want 303", start.Code)
	}
	httpClient := p.Server.Client()
	httpClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := httpClient.Get(start.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	values := fragment(t, f.serve(httptest.NewRequest("GET", "/oidc/callback?"+back.RawQuery, nil)))
	if values.Get("state") != state || values.Get("email") != "bo@example.org" {
		t.Errorf("got fragment %v, want state %s and bo@example.org", values, state)
	}
	s, err := f.sessions.Lookup(context.Background(), values.Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.users.User(context.Background(), s.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if u.OIDCSubject != "sub-ana" || u.Email != "bo@example.org" {
		t.Errorf("got user %+v, want a new user linked to sub-ana", u)
	}
}
