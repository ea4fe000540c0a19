package passkey

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/internal/web"
)

// Handler serves WebAuthn registration for a signed-in user, who sends the
// session token as "Authorization: Bearer TOKEN":
//
//	POST /webauthn/register/begin   returns {"ceremony_id", "options"}
//	POST /webauthn/register/finish?ceremony_id=ID
//	                                takes the PublicKeyCredential JSON
//
// "options" is the CredentialCreation object whose "publicKey" member goes
// to navigator.credentials.create after its base64url fields are decoded.
type Handler struct {
	Passkeys *Service
	Sessions *identity.Sessions
	Users    *identity.Directory
	// FreshFor is how recently the session must have signed in or passed
	// a step-up to register an authenticator. The zero value means 10
	// minutes.
	FreshFor time.Duration
	Log      *slog.Logger
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /webauthn/register/begin", h.handleBegin)
	mux.HandleFunc("POST /webauthn/register/finish", h.handleFinish)
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func (h *Handler) user(w http.ResponseWriter, r *http.Request) (identity.User, bool) {
	s, err := h.Sessions.FromRequest(r)
	if err != nil {
		web.WriteError(w, http.StatusUnauthorized, "sign in first: the session token is missing, unknown or expired")
		return identity.User{}, false
	}
	fresh := h.FreshFor
	if fresh <= 0 {
		fresh = 10 * time.Minute
	}
	if !h.Sessions.RecentlyAuthenticated(s, fresh) {
		web.WriteError(w, http.StatusForbidden, "sign in again to register an authenticator")
		return identity.User{}, false
	}
	u, err := h.Users.User(r.Context(), s.UserID)
	if err != nil {
		h.log().Error("reading user", "user_id", s.UserID, "error", err)
		web.WriteError(w, http.StatusInternalServerError, "reading the user failed")
		return identity.User{}, false
	}
	return u, true
}

type beginResponse struct {
	CeremonyID string `json:"ceremony_id"`
	Options    any    `json:"options"`
}

func (h *Handler) handleBegin(w http.ResponseWriter, r *http.Request) {
	u, ok := h.user(w, r)
	if !ok {
		return
	}
	options, id, err := h.Passkeys.BeginRegistration(r.Context(), u)
	if err != nil {
		h.log().Error("beginning WebAuthn registration", "user_id", u.ID, "error", err)
		web.WriteError(w, http.StatusInternalServerError, "beginning WebAuthn registration failed")
		return
	}
	web.WriteJSON(w, http.StatusOK, beginResponse{CeremonyID: id, Options: options})
}

func (h *Handler) handleFinish(w http.ResponseWriter, r *http.Request) {
	u, ok := h.user(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxBodySize)
	cred, err := h.Passkeys.FinishRegistration(r.Context(), u, r.URL.Query().Get("ceremony_id"), r)
	if err != nil {
		h.log().Warn("WebAuthn registration failed", "user_id", u.ID, "error", err)
		web.WriteError(w, http.StatusBadRequest, "WebAuthn registration failed: "+err.Error())
		return
	}
	h.log().Info("WebAuthn credential registered", "user_id", u.ID, "credential_id", fmt.Sprintf("%x", cred.ID))
	w.WriteHeader(http.StatusCreated)
}
