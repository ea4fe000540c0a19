package api

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/auth"
	"parapet/server/store"
)

// EnrollTokenPrefix starts every enrollment token that an admin creates, so
// people and secret scanners can tell one from an API token.
const EnrollTokenPrefix = "ppe_"

// maxEnrollTokenUses is the largest max_uses of an enrollment token.
const maxEnrollTokenUses = 100000

// Enrollment token states in enrollmentTokenView.State.
const (
	tokenActive  = "active"
	tokenRevoked = "revoked"
	tokenExpired = "expired"
	tokenUsedUp  = "used_up"
)

type createEnrollmentTokenRequest struct {
	Name string `json:"name"`
	// MaxUses defaults to 1, a single-use token.
	MaxUses   *int       `json:"max_uses"`
	ExpiresAt *time.Time `json:"expires_at"`
	Managed   bool       `json:"managed"`
	User      string     `json:"user"`
}

// enrollmentTokenView is an enrollment token in the API, without its hash.
type enrollmentTokenView struct {
	store.EnrollmentToken
	UsesLeft int `json:"uses_left"`
	// State is active, revoked, expired or used_up.
	State string `json:"state"`
}

// createEnrollmentTokenResponse is the only response that contains the
// token.
type createEnrollmentTokenResponse struct {
	Secret string `json:"token"`
	enrollmentTokenView
}

func viewEnrollmentToken(t store.EnrollmentToken, now time.Time) enrollmentTokenView {
	v := enrollmentTokenView{EnrollmentToken: t, UsesLeft: max(t.MaxUses-t.Uses, 0), State: tokenActive}
	switch {
	case t.RevokedAt != nil:
		v.State = tokenRevoked
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		v.State = tokenExpired
	case v.UsesLeft == 0:
		v.State = tokenUsedUp
	}
	if v.State != tokenActive {
		v.UsesLeft = 0
	}
	return v
}

func (s *server) handleListEnrollmentTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.Store.ListEnrollmentTokens(r.Context())
	if err != nil {
		s.log.Error("listing enrollment tokens", "error", err)
		writeError(w, http.StatusInternalServerError, "listing enrollment tokens failed")
		return
	}
	now := time.Now()
	views := make([]enrollmentTokenView, len(tokens))
	for i, t := range tokens {
		views[i] = viewEnrollmentToken(t, now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"enrollment_tokens": views})
}

func (s *server) handleCreateEnrollmentToken(w http.ResponseWriter, r *http.Request) {
	var req createEnrollmentTokenRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	now := time.Now().UTC()
	if field, message := checkEnrollmentTokenRequest(&req, now); field != "" {
		writeFieldError(w, http.StatusBadRequest, field, message)
		return
	}
	secret, sum, err := newEnrollToken()
	if err != nil {
		s.log.Error("creating enrollment token", "error", err)
		writeError(w, http.StatusInternalServerError, "creating the enrollment token failed")
		return
	}
	p := principalFrom(r)
	t := store.EnrollmentToken{ID: "enr-" + protocol.NewID()[:24], Name: req.Name, SHA256: sum, Managed: req.Managed,
		User: req.User, MaxUses: *req.MaxUses, CreatedBy: p.Actor, CreatedAt: now, ExpiresAt: req.ExpiresAt}
	audit := auditEntry(r, "enrollment_token.create", t.ID, map[string]any{"name": t.Name, "managed": t.Managed,
		"user": t.User, "max_uses": t.MaxUses, "expires_at": t.ExpiresAt})
	if err := s.Store.CreateEnrollmentToken(r.Context(), t, audit); err != nil {
		s.log.Error("storing enrollment token", "error", err)
		writeError(w, http.StatusInternalServerError, "storing the enrollment token failed")
		return
	}
	s.log.Info("enrollment token created", "enrollment_token_id", t.ID, "max_uses", t.MaxUses,
		"managed", t.Managed, "actor", p.Actor)
	writeJSON(w, http.StatusCreated, createEnrollmentTokenResponse{Secret: secret, enrollmentTokenView: viewEnrollmentToken(t, now)})
}

// checkEnrollmentTokenRequest trims and checks req and fills in the
// default max_uses. It returns the invalid field and the message, or "".
func checkEnrollmentTokenRequest(req *createEnrollmentTokenRequest, now time.Time) (field, message string) {
	req.Name = strings.TrimSpace(req.Name)
	if err := checkField("name", req.Name, true); err != nil || len(req.Name) > maxTokenName {
		return "name", "name: must be 1 to 64 bytes of text without control characters"
	}
	if req.MaxUses == nil {
		one := 1
		req.MaxUses = &one
	}
	if *req.MaxUses < 1 || *req.MaxUses > maxEnrollTokenUses {
		return "max_uses", fmt.Sprintf("max_uses: must be from 1 to %d, not %d", maxEnrollTokenUses, *req.MaxUses)
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		return "expires_at", "expires_at: must be in the future"
	}
	req.User = strings.TrimSpace(req.User)
	if err := checkField("user", req.User, false); err != nil {
		return "user", err.Error()
	}
	return "", ""
}

// newEnrollToken returns an enrollment token of 32 random bytes and its
// SHA-256, which is all the server stores.
func newEnrollToken() (token string, sum []byte, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("reading random bytes: %w", err)
	}
	token = EnrollTokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	return token, auth.HashToken(token), nil
}

func (s *server) handleRevokeEnrollmentToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	audit := auditEntry(r, "enrollment_token.revoke", id, map[string]string{})
	now := time.Now().UTC()
	err := s.Store.RevokeEnrollmentToken(r.Context(), id, now, audit)
	if errors.Is(err, store.ErrNotFound) {
		writeFieldError(w, http.StatusNotFound, "id", "enrollment token "+truncate(id)+" not found")
		return
	}
	if err != nil {
		s.log.Error("revoking enrollment token", "enrollment_token_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "revoking the enrollment token failed")
		return
	}
	t, err := s.Store.EnrollmentToken(r.Context(), id)
	if err != nil {
		s.log.Error("reading enrollment token", "enrollment_token_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the revoked enrollment token failed")
		return
	}
	s.log.Info("enrollment token revoked", "enrollment_token_id", id, "actor", audit.Actor)
	writeJSON(w, http.StatusOK, viewEnrollmentToken(t, now))
}
