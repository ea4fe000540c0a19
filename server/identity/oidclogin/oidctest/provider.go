// Package oidctest is a minimal OpenID Connect provider for tests. It runs
// on 127.0.0.1, approves every authorization request without a login page,
// and signs ID tokens with a fresh RSA key.
package oidctest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// Claims are the user claims of the next ID tokens.
type Claims struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// Provider is the test provider. Change its fields between flows to make
// the next ID token wrong in one way.
type Provider struct {
	Server       *httptest.Server
	ClientID     string
	ClientSecret string

	mu sync.Mutex
	// User is who signs in.
	User Claims
	// AuthTime returns the auth_time claim. A nil value means the time of the
	// authorization request. Return the zero time to omit the claim.
	AuthTime func() time.Time
	// Issuer, Audience and Nonce replace the correct values in ID tokens
	// when set.
	Issuer   string
	Audience string
	Nonce    string
	// LastAuthorize is the query of the last authorization request.
	LastAuthorize url.Values

	key   *rsa.PrivateKey
	codes map[string]grant
}

type grant struct {
	nonce       string
	challenge   string
	redirectURI string
	authTime    time.Time
}

const keyID = "test-key"

// New starts a provider. Call Close when done.
func New(clientID, clientSecret string) *Provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("oidctest: generating RSA key: " + err.Error())
	}
	p := &Provider{ClientID: clientID, ClientSecret: clientSecret, key: key, codes: make(map[string]grant),
		User: Claims{Subject: "sub-ana", Email: "ana@example.org", EmailVerified: true, Name: "Ana"}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.serveDiscovery)
	mux.HandleFunc("GET /jwks", p.serveJWKS)
	mux.HandleFunc("GET /authorize", p.serveAuthorize)
	mux.HandleFunc("POST /token", p.serveToken)
	p.Server = httptest.NewServer(mux)
	return p
}

// URL is the issuer URL.
func (p *Provider) URL() string { return p.Server.URL }

// Close stops the server.
func (p *Provider) Close() { p.Server.Close() }

// Update runs fn with the provider locked, to change its fields.
func (p *Provider) Update(fn func(p *Provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// LastAuthorizeQuery returns a copy of the last authorization request's query.
func (p *Provider) LastAuthorizeQuery() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := url.Values{}
	for k, v := range p.LastAuthorize {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	base := p.Server.URL
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/token",
		"jwks_uri":                              base + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *Provider) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	b64 := base64.RawURLEncoding
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": keyID,
		"n": b64.EncodeToString(pub.N.Bytes()),
		"e": b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.LastAuthorize = q
	if q.Get("client_id") != p.ClientID || q.Get("response_type") != "code" {
		http.Error(w, "unknown client_id or response_type", http.StatusBadRequest)
		return
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "PKCE with S256 is required", http.StatusBadRequest)
		return
	}
	authTime := time.Now()
	if p.AuthTime != nil {
		authTime = p.AuthTime()
	}
	code := randomString()
	p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		redirectURI: q.Get("redirect_uri"), authTime: authTime}
	target, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	back := target.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	// The oauth2 package sends the credentials URL-encoded in Basic auth.
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if id != p.ClientID || secret != p.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code"))
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirectURI {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verifier mismatch"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": randomString(), "token_type": "Bearer", "expires_in": 300,
		"id_token": p.signLocked(p.claimsLocked(g)),
	})
}

func (p *Provider) claimsLocked(g grant) map[string]any {
	now := time.Now()
	claims := map[string]any{
		"iss": first(p.Issuer, p.Server.URL), "aud": first(p.Audience, p.ClientID),
		"sub": p.User.Subject, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": first(p.Nonce, g.nonce), "email": p.User.Email,
		"email_verified": p.User.EmailVerified, "name": p.User.Name,
	}
	if p.User.Groups != nil {
		claims["groups"] = p.User.Groups
	}
	if !g.authTime.IsZero() {
		claims["auth_time"] = g.authTime.Unix()
	}
	return claims
}

func (p *Provider) signLocked(claims map[string]any) string {
	b64 := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": keyID})
	payload, _ := json.Marshal(claims)
	signingInput := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, digest[:])
	if err != nil {
		panic("oidctest: signing ID token: " + err.Error())
	}
	return signingInput + "." + b64.EncodeToString(sig)
}

func first(override, value string) string {
	if override != "" {
		return override
	}
	return value
}

func randomString() string {
	var raw [16]byte
	rand.Read(raw[:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}
