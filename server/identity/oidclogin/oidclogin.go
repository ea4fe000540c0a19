// Package oidclogin signs users in through an OpenID Connect provider with
// the authorization code flow, PKCE (S256), and state and nonce checks,
// using github.com/coreos/go-oidc. It can also ask for a fresh login for a
// step-up and check the ID token's auth_time.
package oidclogin

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"parapet/server/identity"
)

// Config sets up the client.
type Config struct {
	// Issuer is the provider's issuer URL. Discovery reads
	// ISSUER/.well-known/openid-configuration, and ID tokens must carry
	// exactly this iss.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the server's callback, such as
	// "https://parapet.example.org/oidc/callback".
	RedirectURL string
	// Scopes default to openid, email and profile. Add "groups" if the
	// provider needs it for the groups claim.
	Scopes []string
	// GroupsClaim names the claim with the user's groups. The default is "groups".
	GroupsClaim string
	// HTTPClient reaches the provider. A nil value means http.DefaultClient.
	HTTPClient *http.Client
	// MaxClockSkew is how far the provider's auth_time may lie before the
	// time a fresh login was requested. The zero value allows none.
	MaxClockSkew time.Duration
	// PendingTTL bounds the time between redirecting to the provider and
	// the callback. The zero value means 10 minutes.
	PendingTTL time.Duration
}

// Errors returned by Exchange.
var (
	ErrUnknownState = errors.New("unknown or expired OIDC state")
	ErrNonce        = errors.New("ID token nonce does not match the request")
	ErrNotFresh     = errors.New("ID token auth_time is missing or before the re-authentication request")
)

// Request is one authorization request.
type Request struct {
	// Purpose picks the callback handler, such as "signin" or "stepup".
	Purpose string
	// Values are the caller's parameters, returned with the result.
	Values map[string]string
	// Fresh asks the provider for a new login (prompt=login, max_age=0)
	// and makes Exchange check that auth_time is not before NotBefore.
	Fresh bool
	// NotBefore is the earliest acceptable auth_time of a fresh login.
	// The zero value means the time AuthCodeURL was called.
	NotBefore time.Time
}

// Result is a verified sign-in.
type Result struct {
	Identity identity.OIDCIdentity
	// AuthTime is the ID token's auth_time, or zero when it has none.
	AuthTime time.Time
	Request  Request
}

type pending struct {
	request  Request
	nonce    string
	verifier string
	expires  time.Time
}

// Client is an OIDC relying party. It keeps pending requests in memory, so
// the callback must reach the same server process that started the flow.
type Client struct {
	cfg      Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    oauth2.Config
	// Now returns the current time. Tests replace it.
	Now func() time.Time

	mu       sync.Mutex
	pending  map[string]pending
	handlers map[string]CallbackFunc
}

// New reads the provider's discovery document and returns a client.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("configuring OIDC: issuer, client id and redirect URL are required")
	}
	if cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	}
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discovering OIDC provider %s: %w", cfg.Issuer, err)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.PendingTTL <= 0 {
		cfg.PendingTTL = 10 * time.Minute
	}
	return &Client{
		cfg:      cfg,
		provider: provider,
		// The verifier checks the signature against the provider's JWKS,
		// iss, aud (must contain the client id) and exp.
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			RedirectURL: cfg.RedirectURL, Endpoint: provider.Endpoint(), Scopes: scopes},
		Now:      time.Now,
		pending:  make(map[string]pending),
		handlers: make(map[string]CallbackFunc),
	}, nil
}

func (c *Client) context(ctx context.Context) context.Context {
	if c.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, c.cfg.HTTPClient)
	}
	return ctx
}

// AuthCodeURL stores req under a new state and returns the provider URL to
// redirect the browser to.
func (c *Client) AuthCodeURL(req Request) string {
	now := c.Now()
	if req.Fresh && req.NotBefore.IsZero() {
		req.NotBefore = now
	}
	state := identity.NewID("")
	p := pending{request: req, nonce: identity.NewID(""), verifier: oauth2.GenerateVerifier(),
		expires: now.Add(c.cfg.PendingTTL)}
	c.mu.Lock()
	for key, old := range c.pending {
		if !now.Before(old.expires) {
			delete(c.pending, key)
		}
	}
	c.pending[state] = p
	c.mu.Unlock()

	opts := []oauth2.AuthCodeOption{oidc.Nonce(p.nonce), oauth2.S256ChallengeOption(p.verifier)}
	if req.Fresh {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0"))
	}
	return c.oauth.AuthCodeURL(state, opts...)
}

// takePending removes the request of state, so each state is used once.
func (c *Client) takePending(state string) (pending, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[state]
	delete(c.pending, state)
	if !ok || !c.Now().Before(p.expires) {
		return pending{}, false
	}
	return p, true
}

// Exchange redeems code for the request stored under state, verifies the
// ID token and returns who signed in. The returned Request is set whenever
// state was known, even with an error, so callers can tell which flow
// failed.
func (c *Client) Exchange(ctx context.Context, state, code string) (Result, error) {
	p, ok := c.takePending(state)
	if !ok {
		return Result{}, ErrUnknownState
	}
	result := Result{Request: p.request}
	ctx = c.context(ctx)
	token, err := c.oauth.Exchange(ctx, code, oauth2.VerifierOption(p.verifier))
	if err != nil {
		return result, fmt.Errorf("exchanging OIDC authorization code: %w", err)
	}
	raw, ok := token.Extra("id_token").(string)
	if !ok || raw == "" {
		return result, errors.New("exchanging OIDC authorization code: the token response has no id_token")
	}
	idToken, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return result, fmt.Errorf("verifying ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(p.nonce)) != 1 {
		return result, ErrNonce
	}
	id, authTime, err := c.readClaims(idToken)
	if err != nil {
		return result, err
	}
	result.Identity, result.AuthTime = id, authTime
	if p.request.Fresh && !c.fresh(authTime, p.request.NotBefore) {
		return result, ErrNotFresh
	}
	return result, nil
}

// fresh reports whether authTime is at or after notBefore, allowing the
// configured skew. auth_time has whole seconds, so notBefore is truncated.
func (c *Client) fresh(authTime, notBefore time.Time) bool {
	if authTime.IsZero() {
		return false
	}
	return !authTime.Before(notBefore.Truncate(time.Second).Add(-c.cfg.MaxClockSkew))
}
