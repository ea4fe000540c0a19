package stepup_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/oidclogin"
	"parapet/server/identity/oidclogin/oidctest"
	"parapet/server/identity/stepup"
)

// oidcFixture links the fixture's user to the test provider's sub-ana.
func oidcFixture(t *testing.T) (*fixture, *oidctest.Provider) {
	t.Helper()
	f := newFixture(t, time.Minute)
	p := oidctest.New("parapet", "secret")
	t.Cleanup(p.Close)
	client, err := oidclogin.New(context.Background(), oidclogin.Config{Issuer: p.URL(), ClientID: "parapet",
		ClientSecret: "secret", RedirectURL: "https://parapet.test/oidc/callback", HTTPClient: p.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.UpsertOIDCUser(context.Background(), identity.OIDCIdentity{Issuer: p.URL(),
		Subject: "sub-ana", Email: f.user.Email, EmailVerified: true}); err != nil {
		t.Fatal(err)
	}
	h := &stepup.Handler{Registry: f.registry, Users: f.users, TOTP: f.totp, OIDC: client}
	f.mux = http.NewServeMux()
	h.Register(f.mux)
	f.mux.HandleFunc("GET /oidc/callback", client.ServeCallback)
	return f, p
}

// reauthenticate starts the OIDC step-up, lets the provider approve it and
// serves the callback; it returns the callback's status.
func reauthenticate(t *testing.T, f *fixture, p *oidctest.Provider, id string) int {
	t.Helper()
	start := httptest.NewRecorder()
	f.mux.ServeHTTP(start, httptest.NewRequest("GET", "/stepup/"+id+"/oidc", nil))
	if start.Code != http.StatusSeeOther {
		t.Fatalf("start: got status %d, want 303", start.Code)
	}
	client := p.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(start.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	f.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/oidc/callback?"+back.RawQuery, nil))
	return rec.Code
}

func TestOIDCStepUp(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *oidctest.Provider)
		want   stepup.Status
	}{
		{"fresh login by the user", func(*oidctest.Provider) {}, stepup.StatusSatisfied},
		{"login before the action was held", func(p *oidctest.Provider) {
			p.AuthTime = func() time.Time { return time.Now().Add(-time.Hour) }
		}, stepup.StatusPending},
		{"login by another subject", func(p *oidctest.Provider) { p.User.Subject = "sub-eve" }, stepup.StatusPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := oidcFixture(t)
			a := f.hold(t)
			p.Update(tt.change)
			status := reauthenticate(t, f, p, a.ID)
			got, err := f.registry.Get(a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want {
				t.Errorf("got %s (callback status %d), want %s", got.Status, status, tt.want)
			}
			attempts := f.recorded()
			if len(attempts) != 1 || attempts[0].Method != stepup.MethodOIDC || attempts[0].OK != (tt.want == stepup.StatusSatisfied) {
				t.Errorf("got attempts %+v, want one oidc attempt with OK %v", attempts, tt.want == stepup.StatusSatisfied)
			}
		})
	}
}
