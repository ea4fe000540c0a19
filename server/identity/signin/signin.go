// Package signin serves the HTML sign-in flow that gives the browser
// extension a session token. docs/identity.md describes the hand-off.
package signin

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/oidclogin"
)

// PurposeSignIn is the oidclogin purpose of sign-ins.
const PurposeSignIn = "signin"

// DonePath is the page whose URL fragment carries the token. The extension
// watches for it.
const DonePath = "/signin/done"

// Handler serves:
//
//	GET  /signin?ext=ID&state=STATE[&device=ID][&app=ID]  the sign-in page
//	POST /signin/local                                     the password form
//	GET  /signin/oidc?ext=ID&state=STATE[...]              redirects to the provider
//	GET  /signin/done                                      the final page
//
// On success the browser lands on
// /signin/done#token=TOKEN&expires_at=RFC3339&state=STATE&email=EMAIL.
type Handler struct {
	Users    *identity.Directory
	Sessions *identity.Sessions
	// OIDC is nil when no provider is configured. The page then shows only
	// the password form.
	OIDC *oidclogin.Client
	// ExtensionIDs are the Chrome extension ids allowed to start a
	// sign-in. Empty allows any well-formed id.
	ExtensionIDs []string
	ClientIP     func(*http.Request) netip.Addr
	Log          *slog.Logger
}

// Register adds the routes to mux and the sign-in purpose to h.OIDC.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /signin", h.handlePage)
	mux.HandleFunc("POST /signin/local", h.handleLocal)
	mux.HandleFunc("GET /signin/oidc", h.handleOIDCStart)
	mux.HandleFunc("GET "+DonePath, h.handleDone)
	if h.OIDC != nil {
		h.OIDC.Handle(PurposeSignIn, h.finishOIDC)
	}
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) clientIP(r *http.Request) netip.Addr {
	if h.ClientIP != nil {
		return h.ClientIP(r)
	}
	return identity.RemoteIP(r)
}

// params are what the extension passes to /signin and gets back.
type params struct {
	Ext    string
	State  string
	Device string
	App    string
}

var (
	// Chrome extension ids are 32 letters from a to p.
	extensionIDPattern = regexp.MustCompile(`^[a-p]{32}$`)
	statePattern       = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
	scopeIDPattern     = regexp.MustCompile(`^[A-Za-z0-9._:-]{0,64}$`)
)

var errParams = errors.New("invalid sign-in link: ext must be an allowed extension id and state 16 to 128 characters of [A-Za-z0-9_-]")

func (h *Handler) readParams(get func(string) string) (params, error) {
	p := params{Ext: get("ext"), State: get("state"), Device: get("device"), App: get("app")}
	if !extensionIDPattern.MatchString(p.Ext) || !statePattern.MatchString(p.State) ||
		!scopeIDPattern.MatchString(p.Device) || !scopeIDPattern.MatchString(p.App) {
		return params{}, errParams
	}
	if len(h.ExtensionIDs) > 0 && !slices.Contains(h.ExtensionIDs, p.Ext) {
		return params{}, errParams
	}
	return p, nil
}

func (p params) values() map[string]string {
	return map[string]string{"ext": p.Ext, "state": p.State, "device": p.Device, "app": p.App}
}

// complete creates the session and redirects to the done page with the
// token in the fragment, which browsers never send to a server.
func (h *Handler) complete(w http.ResponseWriter, r *http.Request, u identity.User, p params, method string) {
	s, token, err := h.Sessions.Create(r.Context(), identity.NewSession{UserID: u.ID, DeviceID: p.Device,
		AppID: p.App, IP: h.clientIP(r)})
	if err != nil {
		h.log().Error("creating session", "user_id", u.ID, "error", err)
		h.renderPage(w, http.StatusInternalServerError, p, "Signing in failed on the server. Try again.")
		return
	}
	h.log().Info("user signed in", "user_id", u.ID, "session_id", s.ID, "method", method, "extension_id", p.Ext)
	fragment := url.Values{}
	fragment.Set("token", token)
	fragment.Set("expires_at", s.ExpiresAt.Format(time.RFC3339))
	fragment.Set("state", p.State)
	fragment.Set("email", u.Email)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, DonePath+"#"+fragment.Encode(), http.StatusSeeOther)
}

func (h *Handler) handleLocal(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid form", http.StatusBadRequest)
		return
	}
	p, err := h.readParams(r.PostForm.Get)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ip := h.clientIP(r)
	u, err := h.Users.Authenticate(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("password"), ip.String())
	switch {
	case errors.Is(err, identity.ErrRateLimited):
		h.renderPage(w, http.StatusTooManyRequests, p, "Too many failed sign-ins. Wait a minute and try again.")
		return
	case errors.Is(err, identity.ErrInvalidCredentials), errors.Is(err, identity.ErrDisabled):
		h.log().Warn("local sign-in failed", "ip", ip.String(), "error", err)
		h.renderPage(w, http.StatusUnauthorized, p, "Invalid email or password.")
		return
	case err != nil:
		h.log().Error("checking password", "error", err)
		h.renderPage(w, http.StatusInternalServerError, p, "Signing in failed on the server. Try again.")
		return
	}
	h.complete(w, r, u, p, "password")
}

func (h *Handler) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	if h.OIDC == nil {
		http.Error(w, "OIDC sign-in is not configured", http.StatusNotFound)
		return
	}
	p, err := h.readParams(r.URL.Query().Get)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	target := h.OIDC.AuthCodeURL(oidclogin.Request{Purpose: PurposeSignIn, Values: p.values()})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (h *Handler) finishOIDC(w http.ResponseWriter, r *http.Request, res oidclogin.Result, loginErr error) {
	v := res.Request.Values
	p := params{Ext: v["ext"], State: v["state"], Device: v["device"], App: v["app"]}
	if loginErr != nil {
		h.log().Warn("OIDC sign-in failed", "ip", h.clientIP(r).String(), "error", loginErr)
		h.renderPage(w, http.StatusUnauthorized, p, "The identity provider sign-in failed. Try again.")
		return
	}
	u, err := h.Users.UpsertOIDCUser(r.Context(), res.Identity)
	if err != nil {
		h.log().Warn("linking OIDC user failed", "subject", res.Identity.Subject, "error", err)
		h.renderPage(w, http.StatusForbidden, p, "This identity provider account cannot sign in here. Ask your admin.")
		return
	}
	h.complete(w, r, u, p, "oidc")
}
