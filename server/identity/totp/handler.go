package totp

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/internal/web"
)

// Handler serves TOTP enrollment for a signed-in user, who sends the
// session token as "Authorization: Bearer TOKEN":
//
//	POST /totp/enroll          creates a secret and returns it once
//	POST /totp/enroll/confirm  {"code": "123456"} confirms it
//
// A user who has a confirmed enrollment cannot enroll again, because
// anyone holding the session could otherwise replace the second factor;
// an admin calls Authenticator.Reset first.
type Handler struct {
	TOTP     *Authenticator
	Sessions *identity.Sessions
	Users    *identity.Directory
	// FreshFor is how recently the session must have signed in to enroll.
	// The zero value means 10 minutes.
	FreshFor time.Duration
	Log      *slog.Logger
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /totp/enroll", h.handleEnroll)
	mux.HandleFunc("POST /totp/enroll/confirm", h.handleConfirm)
}

type enrollResponse struct {
	OTPAuthURI string `json:"otpauth_uri"`
	Secret     string `json:"secret"`
	// QRCodePNG is the base64 PNG, ready for a data: URL.
	QRCodePNG string `json:"qr_code_png"`
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
		web.WriteError(w, http.StatusForbidden, "sign in again to enroll a second factor")
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

func (h *Handler) handleEnroll(w http.ResponseWriter, r *http.Request) {
	u, ok := h.user(w, r)
	if !ok {
		return
	}
	if h.TOTP.Enrolled(r.Context(), u.ID) {
		web.WriteError(w, http.StatusConflict, "TOTP is already enrolled; ask an admin to reset it")
		return
	}
	key, err := h.TOTP.Begin(r.Context(), u.ID, u.Email)
	if err != nil {
		h.log().Error("beginning TOTP enrollment", "user_id", u.ID, "error", err)
		web.WriteError(w, http.StatusInternalServerError, "creating the TOTP secret failed")
		return
	}
	h.log().Info("TOTP enrollment started", "user_id", u.ID)
	web.WriteJSON(w, http.StatusOK, enrollResponse{OTPAuthURI: key.URI, Secret: key.Secret,
		QRCodePNG: base64.StdEncoding.EncodeToString(key.QRCodePNG)})
}

func (h *Handler) handleConfirm(w http.ResponseWriter, r *http.Request) {
	u, ok := h.user(w, r)
	if !ok {
		return
	}
	code, err := web.FormValue(w, r, "code")
	if err != nil {
		web.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	switch err := h.TOTP.Confirm(r.Context(), u.ID, code); {
	case err == nil:
		h.log().Info("TOTP enrollment confirmed", "user_id", u.ID)
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, ErrInvalidCode), errors.Is(err, ErrReplayed):
		web.WriteError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, identity.ErrNotFound):
		web.WriteError(w, http.StatusConflict, "no TOTP enrollment to confirm; POST /totp/enroll first")
	default:
		h.log().Error("confirming TOTP enrollment", "user_id", u.ID, "error", err)
		web.WriteError(w, http.StatusInternalServerError, "confirming TOTP failed")
	}
}
