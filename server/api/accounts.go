package api

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/auth"
	"parapet/server/store"
)

type createAccountRequest struct {
	Email    string `json:"email"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// maxEmailLength is the longest address RFC 5321 allows in a path.
const maxEmailLength = 254

// CheckEmail returns an error that says why email is not a plain address
// such as ana@corp.test.
func CheckEmail(email string) error {
	if email == "" {
		return errors.New("missing")
	}
	if len(email) > maxEmailLength {
		return errors.New("longer than 254 bytes")
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return errors.New("not a plain email address such as ana@corp.test")
	}
	return nil
}

func (s *server) handleListAccounts(w http.ResponseWriter, r *http.Request) {
	accounts, err := s.Store.ListAccounts(r.Context())
	if err != nil {
		s.log.Error("listing accounts", "error", err)
		writeError(w, http.StatusInternalServerError, "listing accounts failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": accounts})
}

func (s *server) handleCreateAccount(w http.ResponseWriter, r *http.Request) {
	var req createAccountRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Email = strings.ToLower(strings.TrimSpace(req.Email))
	if err := CheckEmail(req.Email); err != nil {
		writeFieldError(w, http.StatusBadRequest, "email", "email: "+err.Error())
		return
	}
	if !auth.ValidRole(req.Role) {
		writeFieldError(w, http.StatusBadRequest, "role", "role: must be admin or analyst")
		return
	}
	if err := auth.CheckPassword(req.Password); err != nil {
		writeFieldError(w, http.StatusBadRequest, "password", "password: "+err.Error())
		return
	}
	hash, err := auth.HashPassword(req.Password, s.PasswordParams)
	if err != nil {
		s.log.Error("hashing password", "error", err)
		writeError(w, http.StatusInternalServerError, "hashing the password failed")
		return
	}
	account := store.Account{ID: "acc-" + protocol.NewID()[:24], Email: req.Email, Role: req.Role,
		PasswordHash: hash, CreatedAt: time.Now().UTC()}
	audit := auditEntry(r, "account.create", account.ID, map[string]string{"email": account.Email, "role": account.Role})
	err = s.Store.CreateAccount(r.Context(), account, audit)
	if errors.Is(err, store.ErrConflict) {
		writeFieldError(w, http.StatusConflict, "email", "email: an account with this email already exists")
		return
	}
	if err != nil {
		s.log.Error("storing account", "error", err)
		writeError(w, http.StatusInternalServerError, "storing the account failed")
		return
	}
	s.log.Info("account created", "account_id", account.ID, "role", account.Role, "actor", audit.Actor)
	writeJSON(w, http.StatusCreated, account)
}

func (s *server) handleDeleteAccount(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	account, err := s.Store.Account(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeFieldError(w, http.StatusNotFound, "id", "account "+truncate(id)+" not found")
		return
	}
	if err != nil {
		s.log.Error("reading account", "account_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the account failed")
		return
	}
	audit := auditEntry(r, "account.delete", id, map[string]string{"email": account.Email, "role": account.Role})
	if err := s.Store.DeleteAccount(r.Context(), id, audit); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeFieldError(w, http.StatusNotFound, "id", "account "+truncate(id)+" not found")
			return
		}
		s.log.Error("deleting account", "account_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "deleting the account failed")
		return
	}
	s.log.Info("account deleted", "account_id", id, "actor", audit.Actor)
	w.WriteHeader(http.StatusNoContent)
}
