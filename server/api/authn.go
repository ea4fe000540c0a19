package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"parapet/server/auth"
	"parapet/server/store"
)

// principal is the caller of an admin route.
type principal struct {
	// Actor names the caller in the audit log: "account:EMAIL",
	// "token:NAME" or "bootstrap" for PARAPET_ADMIN_TOKEN.
	Actor     string
	Role      string
	TokenID   string
	AccountID string
}

type principalKey struct{}

type deviceKey struct{}

// deviceFrom returns the device that authenticated a deviceOnly route.
func deviceFrom(r *http.Request) store.Device {
	d, _ := r.Context().Value(deviceKey{}).(store.Device)
	return d
}

func principalFrom(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// touchInterval limits how often a token's last_used_at is written.
const touchInterval = time.Minute

// authorize wraps a route's handler with authentication and the route's
// role check.
func (s *server) authorize(rt route) http.Handler {
	switch rt.access {
	case public:
		return rt.handler
	case deviceOnly:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			device, ok := s.authenticateDevice(w, r)
			if !ok {
				return
			}
			rt.handler(w, r.WithContext(context.WithValue(r.Context(), deviceKey{}, device)))
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if rt.access == adminOnly && p.Role != store.RoleAdmin {
			writeError(w, http.StatusForbidden, "this endpoint needs the admin role; the token has role "+p.Role)
			return
		}
		rt.handler(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// authenticate checks the bearer token and writes a 401 for a missing,
// unknown, expired or revoked one.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request) (principal, bool) {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		writeUnauthorized(w, "missing bearer token; log in with POST /api/v1/login or use an API token")
		return principal{}, false
	}
	if s.AdminToken != (Secret{}) && s.AdminToken.Matches(token) {
		return principal{Actor: "bootstrap", Role: store.RoleAdmin}, true
	}
	if !strings.HasPrefix(token, auth.TokenPrefix) {
		writeUnauthorized(w, "invalid token")
		return principal{}, false
	}
	t, err := s.Store.TokenBySHA256(r.Context(), auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		writeUnauthorized(w, "invalid token")
		return principal{}, false
	}
	if err != nil {
		s.log.Error("reading token", "error", err)
		writeError(w, http.StatusInternalServerError, "reading the token failed")
		return principal{}, false
	}
	now := time.Now()
	switch {
	case t.RevokedAt != nil:
		writeUnauthorized(w, "token revoked")
		return principal{}, false
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		writeUnauthorized(w, "token expired; log in again")
		return principal{}, false
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchInterval {
		if err := s.Store.TouchToken(r.Context(), t.ID, now); err != nil {
			s.log.Warn("updating token last use", "token_id", t.ID, "error", err)
		}
	}
	actor := "token:" + t.Name
	if t.Kind == store.TokenSession {
		actor = "account:" + t.Name
	}
	return principal{Actor: actor, Role: t.Role, TokenID: t.ID, AccountID: t.AccountID}, true
}

// auditEntry returns the audit record of a change made by the caller of r.
// details is encoded as JSON.
func auditEntry(r *http.Request, action, target string, details any) store.AuditEntry {
	p := principalFrom(r)
	data, err := json.Marshal(details)
	if err != nil {
		data = []byte(`{"error":"details could not be encoded"}`)
	}
	return store.AuditEntry{Time: time.Now().UTC(), Actor: p.Actor, ActorRole: p.Role,
		Action: action, Target: target, Details: data}
}

type meResponse struct {
	Actor     string `json:"actor"`
	Role      string `json:"role"`
	TokenID   string `json:"token_id,omitempty"`
	AccountID string `json:"account_id,omitempty"`
}

func (s *server) handleMe(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r)
	writeJSON(w, http.StatusOK, meResponse{Actor: p.Actor, Role: p.Role, TokenID: p.TokenID, AccountID: p.AccountID})
}
