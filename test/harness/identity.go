package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"parapet/server/identity/oidclogin/oidctest"
)

// parapet-server flags that turn on sign-in and step-up through an OIDC
// provider (parapet-server --help).
const (
	// FlagPublicURL is the server's https origin, the base of step-up links
	// and of the OIDC redirect.
	FlagPublicURL = "--public-url"
	// FlagOIDCIssuer and FlagOIDCClientID name the OIDC provider and the
	// server's client id there.
	FlagOIDCIssuer   = "--oidc-issuer"
	FlagOIDCClientID = "--oidc-client-id"
	// FlagOIDCClientSecretFile names a file with the client secret.
	FlagOIDCClientSecretFile = "--oidc-client-secret-file"
	// FlagExtensionID allows an extension id to start a sign-in.
	FlagExtensionID = "--extension-id"
)

// NewOIDCProvider starts the in-process test provider on 127.0.0.1. It
// approves every login as email, with a verified email. Call Close when
// done.
func NewOIDCProvider(email string) *oidctest.Provider {
	provider := oidctest.New("parapet-e2e", randomToken())
	provider.Update(func(p *oidctest.Provider) {
		p.User = oidctest.Claims{Subject: "sub-" + email, Email: email, EmailVerified: true, Name: email}
	})
	return provider
}

// UseIdentity fixes the server's address, so that its public URL is known
// before it starts, and adds the flags that turn on sign-in through
// provider.
func UseIdentity(opts *Options, provider *oidctest.Provider) error {
	if opts.ServerAddr == "" {
		port, err := FreePort()
		if err != nil {
			return err
		}
		opts.ServerAddr = "127.0.0.1:" + itoa(port)
	}
	secretFile := filepath.Join(opts.Dir, "oidc-client-secret")
	if err := os.WriteFile(secretFile, []byte(provider.ClientSecret), 0o600); err != nil {
		return fmt.Errorf("writing the OIDC client secret: %w", err)
	}
	opts.ServerArgs = append(opts.ServerArgs,
		FlagPublicURL, "https://"+opts.ServerAddr,
		FlagOIDCIssuer, provider.URL(),
		FlagOIDCClientID, provider.ClientID,
		FlagOIDCClientSecretFile, secretFile,
		FlagExtensionID, ExtensionID,
	)
	return nil
}

// signInExpr returns the extension's sign-in session, or null.
const signInExpr = `chrome.storage.session.get("signin").then(s => s.signin ?? null)`

// SignInSession is the extension's stored sign-in.
type SignInSession struct {
	Token     string `json:"token"`
	Email     string `json:"email"`
	ExpiresAt string `json:"expires_at"`
}

// SignInState returns the extension's sign-in, or nil when it has none.
func (e *Env) SignInState(ctx context.Context) (*SignInSession, error) {
	out, err := e.Browser.EvalExtension(ctx, signInExpr)
	if err != nil {
		return nil, err
	}
	var session *SignInSession
	if err := json.Unmarshal(out, &session); err != nil {
		return nil, fmt.Errorf("decoding the extension's sign-in %s: %w", out, err)
	}
	return session, nil
}

// SignIn points the extension at the server, clicks "Sign in" in its
// popup, follows the provider link on the server's sign-in page and waits
// until the extension holds a session token and the popup shows the
// email. The server must run with UseIdentity.
func (e *Env) SignIn(ctx context.Context) (*SignInSession, error) {
	b := e.Browser
	if err := b.IgnoreCertificateErrors(ctx); err != nil {
		return nil, err
	}
	set := fmt.Sprintf(`chrome.storage.local.set({serverUrl: %q}).then(() => true)`, e.Server.URL())
	if _, err := b.EvalExtension(ctx, set); err != nil {
		return nil, fmt.Errorf("setting the extension's server URL: %w", err)
	}
	popup, closePopup := b.NewTab()
	defer closePopup()
	if err := chromedp.Do(popup, chromedp.Navigate(PopupURL), chromedp.Click(chromedp.CSS("#signin"), chromedp.NodeVisible)); err != nil {
		return nil, fmt.Errorf("clicking Sign in in the popup: %w", err)
	}
	page, closePage, err := b.WaitTab(ctx, e.Server.URL()+"/signin?", 15*time.Second)
	if err != nil {
		return nil, fmt.Errorf("the popup opened no sign-in page: %w", err)
	}
	defer closePage()
	if err := chromedp.Do(page, chromedp.Click(chromedp.CSS(`a[href^="/signin/oidc"]`), chromedp.NodeVisible)); err != nil {
		return nil, fmt.Errorf("clicking the identity provider link on the sign-in page: %w", err)
	}
	var session *SignInSession
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = waitFor(wait, "the extension's session token", func() (bool, error) {
		session, err = e.SignInState(ctx)
		return session != nil && session.Token != "", err
	})
	if err != nil {
		return nil, fmt.Errorf("%w\nserver log:\n%s", err, e.Server.Log())
	}
	err = waitFor(wait, "the popup to show "+session.Email, func() (bool, error) {
		text, err := chromedp.Run(popup, chromedp.TextContent(chromedp.CSS("#signed-in")))
		return text == session.Email, err
	})
	return session, err
}

// Log returns the end of the server's log.
func (s *Server) Log() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.tail()
}

// send makes a request with an optional bearer token and JSON body.
func (s *Server) send(ctx context.Context, method, path, token string, body any) (*http.Response, error) {
	client, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, reader)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return client.Do(req)
}

// sendJSON makes a request and decodes a 2xx JSON response into out, which
// may be nil.
func (s *Server) sendJSON(ctx context.Context, method, path, token string, body, out any) error {
	resp, err := s.send(ctx, method, path, token, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: status %s: %s", method, path, resp.Status, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding %s: %w", method, path, data, err)
	}
	return nil
}

// EnrollTOTP enrolls and confirms a TOTP secret for the user of the
// session token, which must be less than 10 minutes old, and returns the
// secret.
func (s *Server) EnrollTOTP(ctx context.Context, sessionToken string) (string, error) {
	var enrolled struct {
		Secret string `json:"secret"`
	}
	if err := s.sendJSON(ctx, http.MethodPost, "/totp/enroll", sessionToken, nil, &enrolled); err != nil {
		return "", err
	}
	if enrolled.Secret == "" {
		return "", fmt.Errorf("POST /totp/enroll returned no secret")
	}
	code, err := totp.GenerateCode(enrolled.Secret, time.Now())
	if err != nil {
		return "", fmt.Errorf("computing a TOTP code: %w", err)
	}
	if err := s.sendJSON(ctx, http.MethodPost, "/totp/enroll/confirm", sessionToken, map[string]string{"code": code}, nil); err != nil {
		return "", err
	}
	return enrolled.Secret, nil
}

// NextTOTPCode returns the code of the step after the current one. The
// server accepts one step either side, and a step at most once per user,
// so this code is valid even when the current step's code was just used.
func NextTOTPCode(secret string) (string, error) {
	return totp.GenerateCode(secret, time.Now().Add(30*time.Second))
}

// WrongTOTPCode returns a six-digit code that differs from every code the
// server accepts now.
func WrongTOTPCode(secret string) (string, error) {
	valid := map[string]bool{}
	for step := -2; step <= 2; step++ {
		code, err := totp.GenerateCode(secret, time.Now().Add(time.Duration(step)*30*time.Second))
		if err != nil {
			return "", err
		}
		valid[code] = true
	}
	for n := 0; ; n++ {
		code := fmt.Sprintf("%06d", (123456+n*7919)%1000000)
		if !valid[code] {
			return code, nil
		}
	}
}

// Alert is one row of GET /api/v1/alerts.
type Alert struct {
	ID           string     `json:"id"`
	Detector     string     `json:"detector"`
	User         string     `json:"user"`
	DeviceID     string     `json:"device_id"`
	Action       string     `json:"action"`
	Severity     string     `json:"severity"`
	Reason       string     `json:"reason"`
	Evidence     []string   `json:"evidence"`
	State        string     `json:"state"`
	BlockedUntil *time.Time `json:"blocked_until"`
}

// Alerts returns the anomaly alerts that the admin API lists.
func (s *Server) Alerts(ctx context.Context) ([]Alert, error) {
	var body struct {
		Alerts []Alert `json:"alerts"`
	}
	err := s.sendJSON(ctx, http.MethodGet, "/api/v1/alerts", s.AdminToken, nil, &body)
	return body.Alerts, err
}

// BlockUser blocks a user through POST /api/v1/users/{id}/block, with the
// user's email as the id, which the server accepts in place of a user id.
func (s *Server) BlockUser(ctx context.Context, email, reason string) error {
	path := "/api/v1/users/" + url.PathEscape(strings.ToLower(email)) + "/block"
	return s.sendJSON(ctx, http.MethodPost, path, s.AdminToken, map[string]string{"reason": reason}, nil)
}

// RestartAgent stops the agent and starts it again with its current
// fields, such as a new UplinkSourceIP, and waits until the extension is
// connected again.
func (e *Env) RestartAgent(ctx context.Context) error {
	if err := e.Agent.Stop(); err != nil {
		return fmt.Errorf("stopping the agent: %w", err)
	}
	if err := e.Agent.Start(ctx, e.Server); err != nil {
		return err
	}
	return e.ConnectExtension(ctx)
}
