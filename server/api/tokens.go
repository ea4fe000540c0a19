package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/auth"
	"parapet/server/store"
)

type createTokenRequest struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// createTokenResponse is the only response that contains the token.
type createTokenResponse struct {
	Secret string `json:"token"`
	store.Token
}

// maxTokenName is the longest token name, in bytes.
const maxTokenName = 64

func (s *server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.Store.ListTokens(r.Context(), store.TokenAPI)
	if err != nil {
		s.log.Error("listing tokens", "error", err)
		writeError(w, http.StatusInternalServerError, "listing tokens failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": tokens})
}

func (s *server) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	var req createTokenRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	if err := checkField("name", req.Name, true); err != nil || len(req.Name) > maxTokenName {
		writeFieldError(w, http.StatusBadRequest, "name", "name: must be 1 to 64 bytes of text without control characters")
		return
	}
	if !auth.ValidRole(req.Role) {
		writeFieldError(w, http.StatusBadRequest, "role", "role: must be admin or analyst")
		return
	}
	now := time.Now().UTC()
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		writeFieldError(w, http.StatusBadRequest, "expires_at", "expires_at: must be in the future")
		return
	}
	secret, sum, err := auth.NewToken()
	if err != nil {
		s.log.Error("creating token", "error", err)
		writeError(w, http.StatusInternalServerError, "creating the token failed")
		return
	}
	p := principalFrom(r)
	t := store.Token{ID: "tok-" + protocol.NewID()[:24], Kind: store.TokenAPI, Name: req.Name, Role: req.Role,
		SHA256: sum, CreatedBy: p.Actor, CreatedAt: now, ExpiresAt: req.ExpiresAt}
	audit := auditEntry(r, "token.create", t.ID, map[string]any{"name": t.Name, "role": t.Role, "expires_at": t.ExpiresAt})
	if err := s.Store.CreateToken(r.Context(), t, audit); err != nil {
		s.log.Error("storing token", "error", err)
		writeError(w, http.StatusInternalServerError, "storing the token failed")
		return
	}
	s.log.Info("token created", "token_id", t.ID, "role", t.Role, "actor", p.Actor)
	writeJSON(w, http.StatusCreated, createTokenResponse{Secret: secret, Token: t})
}

func (s *server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	audit := auditEntry(r, "token.revoke", id, map[string]string{})
	err := s.Store.RevokeToken(r.Context(), id, time.Now().UTC(), audit)
	if errors.Is(err, store.ErrNotFound) {
		writeFieldError(w, http.StatusNotFound, "id", "token "+truncate(id)+" not found")
		return
	}
	if err != nil {
		s.log.Error("revoking token", "token_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "revoking the token failed")
		return
	}
	s.log.Info("token revoked", "token_id", id, "actor", audit.Actor)
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "status": "revoked"})
}
