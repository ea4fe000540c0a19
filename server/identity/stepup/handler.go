package stepup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"

	"parapet/server/identity"
	"parapet/server/identity/internal/web"
	"parapet/server/identity/oidclogin"
	"parapet/server/identity/passkey"
	"parapet/server/identity/totp"
)

// PurposeStepUp is the oidclogin purpose of step-up re-authentications.
const PurposeStepUp = "stepup"

// Handler serves the step-up page and its methods:
//
//	GET  /stepup/{id}                    HTML page with the enrolled methods
//	GET  /stepup/{id}/status             {"id","status","method","attempts","expires_at"}
//	POST /stepup/{id}/totp               form or JSON field "code"
//	POST /stepup/{id}/webauthn/begin     {"ceremony_id","options"}
//	POST /stepup/{id}/webauthn/finish?ceremony_id=ID
//	GET  /stepup/{id}/oidc               redirects to the provider with prompt=login
//
// The action id in the path is the only credential these routes need: it
// is random, sent only to the user's own extension in the verdict, and
// every method checks a factor of the action's own user.
//
// TOTP, Passkeys and OIDC may be nil when the method is not configured.
type Handler struct {
	Registry *Registry
	Users    *identity.Directory
	TOTP     *totp.Authenticator
	Passkeys *passkey.Service
	OIDC     *oidclogin.Client
	// ClientIP returns the source address of a request. A nil value means
	// identity.RemoteIP.
	ClientIP func(*http.Request) netip.Addr
	Log      *slog.Logger
}

// Register adds the routes to mux and the step-up purpose to h.OIDC, whose
// ServeCallback the server mounts at the OIDC redirect URL.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /stepup/{id}", h.handlePage)
	mux.HandleFunc("GET /stepup/{id}/status", h.handleStatus)
	mux.HandleFunc("POST /stepup/{id}/totp", h.handleTOTP)
	mux.HandleFunc("POST /stepup/{id}/webauthn/begin", h.handleWebAuthnBegin)
	mux.HandleFunc("POST /stepup/{id}/webauthn/finish", h.handleWebAuthnFinish)
	mux.HandleFunc("GET /stepup/{id}/oidc", h.handleOIDCStart)
	if h.OIDC != nil {
		h.OIDC.Handle(PurposeStepUp, h.finishOIDC)
	}
}

// URL returns the path of the step-up page of action id, for the verdict's
// link.
func URL(id string) string { return "/stepup/" + id }

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

// user returns the action's user, or an error when the user is gone or
// disabled.
func (h *Handler) user(ctx context.Context, a Action) (identity.User, error) {
	u, err := h.Users.User(ctx, a.UserID)
	if err != nil {
		return identity.User{}, err
	}
	if u.Disabled {
		return identity.User{}, identity.ErrDisabled
	}
	return u, nil
}

type statusResponse struct {
	ID        string `json:"id"`
	Status    Status `json:"status"`
	Method    string `json:"method,omitempty"`
	Attempts  int    `json:"attempts"`
	ExpiresAt string `json:"expires_at"`
}

func toStatus(a Action) statusResponse {
	return statusResponse{ID: a.ID, Status: a.Status, Method: a.Method, Attempts: a.Attempts,
		ExpiresAt: a.ExpiresAt.Format("2006-01-02T15:04:05Z07:00")}
}

func (h *Handler) handleStatus(w http.ResponseWriter, r *http.Request) {
	a, err := h.Registry.Get(r.PathValue("id"))
	if err != nil {
		web.WriteError(w, http.StatusNotFound, "step-up not found or expired")
		return
	}
	web.WriteJSON(w, http.StatusOK, toStatus(a))
}

// writeAttempt sends the outcome of an attempt: 200 with the status when
// it passed, 403 with the status when the factor was wrong, and 409 when
// the action is no longer pending.
func writeAttempt(w http.ResponseWriter, a Action, err error) {
	switch {
	case err == nil:
		web.WriteJSON(w, http.StatusOK, toStatus(a))
	case errors.Is(err, ErrNotFound):
		web.WriteError(w, http.StatusNotFound, "step-up not found or expired")
	case errors.Is(err, ErrNotPending):
		web.WriteJSON(w, http.StatusConflict, map[string]any{"error": "step-up is " + string(a.Status), "status": a.Status})
	default:
		web.WriteJSON(w, http.StatusForbidden, map[string]any{"error": publicReason(err), "status": a.Status,
			"attempts": a.Attempts})
	}
}

// publicReason returns a message for the user that names no internals.
func publicReason(err error) string {
	switch {
	case errors.Is(err, totp.ErrInvalidCode):
		return "the code is wrong"
	case errors.Is(err, totp.ErrReplayed):
		return "the code was already used; wait for the next one"
	case errors.Is(err, totp.ErrNotEnrolled):
		return "TOTP is not enrolled for this user"
	case errors.Is(err, passkey.ErrNoCredentials):
		return "no security key is registered for this user"
	case errors.Is(err, oidclogin.ErrNotFresh):
		return "the identity provider did not ask for a new login"
	default:
		return "re-authentication failed"
	}
}

func (h *Handler) handleTOTP(w http.ResponseWriter, r *http.Request) {
	if h.TOTP == nil {
		web.WriteError(w, http.StatusNotFound, "TOTP is not configured")
		return
	}
	code, err := web.FormValue(w, r, "code")
	if err != nil {
		web.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	a, err := h.Registry.Attempt(r.Context(), r.PathValue("id"), MethodTOTP, h.clientIP(r),
		func(ctx context.Context, a Action) error {
			if _, err := h.user(ctx, a); err != nil {
				return err
			}
			return h.TOTP.Verify(ctx, a.UserID, code)
		})
	if !web.WantsJSON(r) {
		h.renderResult(r.Context(), w, a, err)
		return
	}
	writeAttempt(w, a, err)
}

func (h *Handler) handleWebAuthnBegin(w http.ResponseWriter, r *http.Request) {
	if h.Passkeys == nil {
		web.WriteError(w, http.StatusNotFound, "WebAuthn is not configured")
		return
	}
	a, err := h.Registry.pending(r.PathValue("id"))
	if err != nil {
		writeAttempt(w, a, err)
		return
	}
	u, err := h.user(r.Context(), a)
	if err != nil {
		web.WriteError(w, http.StatusForbidden, "the user cannot re-authenticate")
		return
	}
	options, ceremonyID, err := h.Passkeys.BeginAssertion(r.Context(), u)
	if errors.Is(err, passkey.ErrNoCredentials) {
		web.WriteError(w, http.StatusConflict, publicReason(err))
		return
	}
	if err != nil {
		h.log().Error("beginning WebAuthn assertion", "action_id", a.ID, "error", err)
		web.WriteError(w, http.StatusInternalServerError, "beginning WebAuthn failed")
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"ceremony_id": ceremonyID, "options": options})
}

func (h *Handler) handleWebAuthnFinish(w http.ResponseWriter, r *http.Request) {
	if h.Passkeys == nil {
		web.WriteError(w, http.StatusNotFound, "WebAuthn is not configured")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxBodySize)
	ceremonyID := r.URL.Query().Get("ceremony_id")
	a, err := h.Registry.Attempt(r.Context(), r.PathValue("id"), MethodWebAuthn, h.clientIP(r),
		func(ctx context.Context, a Action) error {
			u, err := h.user(ctx, a)
			if err != nil {
				return err
			}
			return h.Passkeys.FinishAssertion(ctx, u, ceremonyID, r)
		})
	writeAttempt(w, a, err)
}

func (h *Handler) handleOIDCStart(w http.ResponseWriter, r *http.Request) {
	if h.OIDC == nil {
		web.WriteError(w, http.StatusNotFound, "OIDC is not configured")
		return
	}
	a, err := h.Registry.pending(r.PathValue("id"))
	if err != nil {
		writeAttempt(w, a, err)
		return
	}
	target := h.OIDC.AuthCodeURL(oidclogin.Request{Purpose: PurposeStepUp, Fresh: true,
		NotBefore: a.CreatedAt, Values: map[string]string{"action_id": a.ID}})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// finishOIDC checks that the fresh login was made by the action's user
// after the action was held. Oidclogin has already checked auth_time
// against the action's creation time.
func (h *Handler) finishOIDC(w http.ResponseWriter, r *http.Request, res oidclogin.Result, loginErr error) {
	id := res.Request.Values["action_id"]
	a, err := h.Registry.Attempt(r.Context(), id, MethodOIDC, h.clientIP(r),
		func(ctx context.Context, a Action) error {
			if loginErr != nil {
				return loginErr
			}
			u, err := h.user(ctx, a)
			if err != nil {
				return err
			}
			if u.OIDCIssuer != res.Identity.Issuer || u.OIDCSubject != res.Identity.Subject {
				return fmt.Errorf("the OIDC login was made by subject %q, not by the held action's user", res.Identity.Subject)
			}
			return nil
		})
	h.renderResult(r.Context(), w, a, err)
}
