package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parapet/protocol"
	accesscontrol "parapet/server/access"
	"parapet/server/auth"
	"parapet/server/identity"
	"parapet/server/store"
)

// errInvalidPassword marks a password that CreateUser rejected.
var errInvalidPassword = errors.New("invalid password")

// CreateUser checks the password, stores a local user and writes the
// audit entry, for POST /api/v1/users and `parapet-server user create`.
func CreateUser(ctx context.Context, users *identity.Directory, audit AccessStore, actor, role string, n identity.NewLocalUser) (identity.User, error) {
	if err := auth.CheckPassword(n.Password); err != nil {
		return identity.User{}, fmt.Errorf("%w: %w", errInvalidPassword, err)
	}
	u, err := users.CreateLocalUser(ctx, n)
	if err != nil {
		return identity.User{}, err
	}
	entry := store.AuditEntry{Time: time.Now().UTC(), Actor: actor, ActorRole: role, Action: "user.create", Target: u.ID,
		Details: []byte(`{"email":` + strconv.Quote(u.Email) + `}`)}
	if err := audit.InsertAudit(ctx, entry); err != nil {
		return u, fmt.Errorf("writing audit entry of user %s: %w", u.ID, err)
	}
	return u, nil
}

type blockRequest struct {
	// Duration is a Go duration such as "30m"; empty blocks until an
	// admin unblocks.
	Duration string `json:"duration"`
	Reason   string `json:"reason"`
}

// maxBlockReason is the longest reason of a block, in bytes.
const maxBlockReason = 512

// blockTarget returns the key of the user a block path names: the email
// of the identity user with that id, or for an id with "@" the address
// itself, so users known only as a device's enrolled user can be blocked.
func (s *server) blockTarget(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if strings.Contains(id, "@") {
		return accesscontrol.NormalizeUser(id), true
	}
	u, ok := s.userByPathID(w, r)
	if !ok {
		return "", false
	}
	return accesscontrol.NormalizeUser(u.Email), true
}

// maxBlockDuration is the longest timed block. A longer block is better
// made without a duration, so that it visibly lasts until an admin lifts it.
const maxBlockDuration = 365 * 24 * time.Hour

func (s *server) handleBlockUser(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	var req blockRequest
	if r.ContentLength != 0 && !decodeJSON(w, r, &req) {
		return
	}
	if len(req.Reason) > maxBlockReason {
		writeFieldError(w, http.StatusBadRequest, "reason", fmt.Sprintf("reason: longer than %d bytes", maxBlockReason))
		return
	}
	// The reason is shown to the user in the page and written to logs and
	// CSV exports, so it must be plain text on one line.
	if !utf8.ValidString(req.Reason) || strings.ContainsFunc(req.Reason, unicode.IsControl) {
		writeFieldError(w, http.StatusBadRequest, "reason", "reason: must be valid UTF-8 text without control characters or line breaks")
		return
	}
	email, ok := s.blockTarget(w, r)
	if !ok {
		return
	}
	now := time.Now().UTC()
	b := store.UserBlock{User: email, Reason: strings.TrimSpace(req.Reason), CreatedBy: principalFrom(r).Actor, CreatedAt: now}
	if req.Duration != "" {
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 || d > maxBlockDuration {
			writeFieldError(w, http.StatusBadRequest, "duration", "duration: must be a positive Go duration such as 30m or 8h, "+
				"at most 8760h (a year; omit it for a block that lasts until unblocked), not "+strconv.Quote(truncate(req.Duration)))
			return
		}
		until := now.Add(d)
		b.Until = &until
	}
	audit := auditEntry(r, "user.block", email, map[string]any{"reason": b.Reason, "until": b.Until})
	if err := s.Identity.Alerts.BlockUser(r.Context(), b, audit); err != nil {
		s.log.Error("blocking user", "user", email, "error", err)
		writeError(w, http.StatusInternalServerError, "blocking the user failed")
		return
	}
	block := accesscontrol.Block{Source: accesscontrol.SourceAdmin, Reason: b.Reason, Until: b.Until}
	links := s.notifyUser(email, protocol.AccessBlocked, block.Message(), b.Until)
	s.log.Info("user blocked", "user", email, "actor", audit.Actor, "links_notified", links)
	writeJSON(w, http.StatusOK, map[string]any{"block": b, "links_notified": links})
}

// RestoredMessage is the access.changed message after an admin lifts a
// block.
const RestoredMessage = "Your access through Parapet was restored."

// SessionRevokedMessage is the access.changed message after an admin
// ends a user's sessions.
const SessionRevokedMessage = "An administrator ended your Parapet session. Sign in again from the Parapet extension."

func (s *server) handleUnblockUser(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	email, ok := s.blockTarget(w, r)
	if !ok {
		return
	}
	audit := auditEntry(r, "user.unblock", email, map[string]string{})
	existed, err := s.Identity.Alerts.UnblockUser(r.Context(), email, audit)
	if err != nil {
		s.log.Error("unblocking user", "user", email, "error", err)
		writeError(w, http.StatusInternalServerError, "unblocking the user failed")
		return
	}
	lifted := existed
	if s.Identity.Access != nil && s.Identity.Access.Anomaly != nil && s.Identity.Access.Anomaly.Unblock(email) {
		lifted = true
	}
	links := s.notifyUser(email, protocol.AccessRestored, RestoredMessage, nil)
	s.log.Info("user unblocked", "user", email, "actor", audit.Actor, "was_blocked", lifted, "links_notified", links)
	writeJSON(w, http.StatusOK, map[string]any{"user": email, "was_blocked": lifted, "links_notified": links})
}

// handleRevokeSession ends the user's sign-in: it deletes the session and
// every other session of its user, because the hub derives per-device
// sessions from the extension's sign-in session, and revoking only one
// would let the next action create it again.
func (s *server) handleRevokeSession(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	id := r.PathValue("id")
	x, err := s.Identity.Sessions.Store.SessionByID(r.Context(), id)
	if errors.Is(err, identity.ErrNotFound) {
		writeFieldError(w, http.StatusNotFound, "id", "session "+truncate(id)+" not found")
		return
	}
	if err != nil {
		s.log.Error("reading session", "session_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the session failed")
		return
	}
	u, err := s.Identity.Users.User(r.Context(), x.UserID)
	if err != nil {
		s.log.Error("reading user of session", "session_id", id, "user_id", x.UserID, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the user failed")
		return
	}
	sessions, err := s.Identity.Store.SessionsOfUser(r.Context(), u.ID)
	if err != nil {
		s.log.Error("listing sessions", "user_id", u.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "listing the sessions failed")
		return
	}
	revoked := 0
	for _, other := range sessions {
		if err := s.Identity.Sessions.Revoke(r.Context(), other.ID); err != nil {
			s.log.Error("revoking session", "session_id", other.ID, "error", err)
			writeError(w, http.StatusInternalServerError, "revoking the sessions failed")
			return
		}
		revoked++
	}
	audit := auditEntry(r, "session.revoke", id, map[string]any{"user_id": u.ID, "email": u.Email, "sessions_revoked": revoked})
	if err := s.Identity.Alerts.InsertAudit(r.Context(), audit); err != nil {
		s.log.Error("writing audit entry", "action", audit.Action, "session_id", id, "error", err)
	}
	links := s.notifyUser(u.Email, protocol.AccessStepUp, SessionRevokedMessage, nil)
	s.log.Info("sessions revoked", "user_id", u.ID, "session_id", id, "sessions_revoked", revoked, "links_notified", links)
	writeJSON(w, http.StatusOK, map[string]any{"sessions_revoked": revoked, "links_notified": links})
}
