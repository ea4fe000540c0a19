package oidclogin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"parapet/server/identity/oidclogin"
	"parapet/server/identity/oidclogin/oidctest"
)

const (
	clientID     = "parapet"
	clientSecret = "test-secret"
	redirectURL  = "https://parapet.test/oidc/callback"
)

func setup(t *testing.T) (*oidctest.Provider, *oidclogin.Client) {
	t.Helper()
	p := oidctest.New(clientID, clientSecret)
	t.Cleanup(p.Close)
	c, err := oidclogin.New(context.Background(), oidclogin.Config{Issuer: p.URL(), ClientID: clientID,
		ClientSecret: clientSecret, RedirectURL: redirectURL, HTTPClient: p.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

// authorize follows the authorization URL to the provider and returns the
// state and code of the redirect back.
func authorize(t *testing.T, p *oidctest.Provider, authURL string) (state, code string) {
	t.Helper()
	client := p.Server.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: got status %d, want 302", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(back.String(), redirectURL+"?") {
		t.Fatalf("got redirect %q, want the callback URL", back)
	}
	return back.Query().Get("state"), back.Query().Get("code")
}

func TestSignIn(t *testing.T) {
	p, c := setup(t)
	p.Update(func(p *oidctest.Provider) { p.User.Groups = []string{"staff"} })
	state, code := authorize(t, p, c.AuthCodeURL(oidclogin.Request{Purpose: "signin", Values: map[string]string{"ext": "x"}}))
	q := p.LastAuthorizeQuery()
	if q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" {
		t.Errorf("got authorize query %v, want a nonce and an S256 code challenge", q)
	}
	if q.Has("prompt") || q.Has("max_age") {
		t.Errorf("plain sign-in: got prompt %q max_age %q, want neither", q.Get("prompt"), q.Get("max_age"))
	}
	res, err := c.Exchange(context.Background(), state, code)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Identity
	if id.Issuer != p.URL() || id.Subject != "sub-ana" || id.Email != "ana@example.org" || !id.EmailVerified {
		t.Errorf("got identity %+v, want sub-ana with a verified email", id)
	}
	if len(id.Groups) != 1 || id.Groups[0] != "staff" {
		t.Errorf("got groups %v, want [staff]", id.Groups)
	}
	if res.Request.Purpose != "signin" || res.Request.Values["ext"] != "x" {
		t.Errorf("got request %+v, want the one passed to AuthCodeURL", res.Request)
	}
	if _, err := c.Exchange(context.Background(), state, code); !errors.Is(err, oidclogin.ErrUnknownState) {
		t.Errorf("second use of the state: got %v, want ErrUnknownState", err)
	}
}

func TestSignInRejectsBadToken(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *oidctest.Provider)
		want   string
	}{
		{"wrong nonce", func(p *oidctest.Provider) { p.Nonce = "other-nonce" }, "nonce"},
		{"wrong issuer", func(p *oidctest.Provider) { p.Issuer = "https://evil.test" }, "issued by a different provider"},
		{"wrong audience", func(p *oidctest.Provider) { p.Audience = "other-client" }, "audience"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := setup(t)
			p.Update(tt.change)
			state, code := authorize(t, p, c.AuthCodeURL(oidclogin.Request{Purpose: "signin"}))
			_, err := c.Exchange(context.Background(), state, code)
			if err == nil {
				t.Fatal("got nil, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestExchangeUnknownState(t *testing.T) {
	p, c := setup(t)
	_, code := authorize(t, p, c.AuthCodeURL(oidclogin.Request{Purpose: "signin"}))
	if _, err := c.Exchange(context.Background(), "forged-state", code); !errors.Is(err, oidclogin.ErrUnknownState) {
		t.Errorf("got %v, want ErrUnknownState", err)
	}
}

func TestFreshLogin(t *testing.T) {
	requested := time.Now().Add(-time.Minute).Truncate(time.Second)
	tests := []struct {
		name     string
		authTime time.Time
		want     error
	}{
		{"auth_time after the request", time.Now(), nil},
		{"auth_time equal to the request", requested, nil},
		{"auth_time before the request", requested.Add(-time.Second), oidclogin.ErrNotFresh},
		{"auth_time missing", time.Time{}, oidclogin.ErrNotFresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := setup(t)
			p.Update(func(p *oidctest.Provider) { p.AuthTime = func() time.Time { return tt.authTime } })
			state, code := authorize(t, p, c.AuthCodeURL(oidclogin.Request{Purpose: "stepup", Fresh: true, NotBefore: requested}))
			q := p.LastAuthorizeQuery()
			if q.Get("prompt") != "login" || q.Get("max_age") != "0" {
				t.Errorf("got prompt %q max_age %q, want login and 0", q.Get("prompt"), q.Get("max_age"))
			}
			res, err := c.Exchange(context.Background(), state, code)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == nil && !res.AuthTime.Equal(tt.authTime.Truncate(time.Second)) {
				t.Errorf("got auth_time %v, want %v", res.AuthTime, tt.authTime)
			}
		})
	}
}

func TestCallbackDispatchesByPurpose(t *testing.T) {
	p, c := setup(t)
	var got oidclogin.Result
	var gotErr error
	c.Handle("signin", func(w http.ResponseWriter, _ *http.Request, res oidclogin.Result, err error) {
		got, gotErr = res, err
		w.WriteHeader(http.StatusNoContent)
	})
	state, code := authorize(t, p, c.AuthCodeURL(oidclogin.Request{Purpose: "signin"}))
	rec := serveCallback(c, url.Values{"state": {state}, "code": {code}})
	if rec != http.StatusNoContent || gotErr != nil || got.Identity.Subject != "sub-ana" {
		t.Errorf("got status %d, error %v, subject %q, want 204, nil, sub-ana", rec, gotErr, got.Identity.Subject)
	}
	state, _ = authorize(t, p, c.AuthCodeURL(oidclogin.Request{Purpose: "signin"}))
	serveCallback(c, url.Values{"state": {state}, "error": {"access_denied"}})
	if gotErr == nil || !strings.Contains(gotErr.Error(), "access_denied") {
		t.Errorf("provider error: got %v, want an error naming access_denied", gotErr)
	}
	if rec := serveCallback(c, url.Values{"state": {"unknown"}, "code": {"x"}}); rec != http.StatusBadRequest {
		t.Errorf("unknown state: got status %d, want 400", rec)
	}
}
