package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/auth"
	"parapet/server/store"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
}

func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if email == "" {
		writeFieldError(w, http.StatusBadRequest, "email", "email: missing")
		return
	}
	if req.Password == "" {
		writeFieldError(w, http.StatusBadRequest, "password", "password: missing")
		return
	}
	ip := sourceIP(r)
	if blocked, wait := s.loginBlocked(email, ip); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, "too many failed logins; try again later")
		return
	}

	account, err := s.Store.AccountByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("reading account", "error", err)
		writeError(w, http.StatusInternalServerError, "reading the account failed")
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		// Hashing anyway keeps the response time of unknown emails equal
		// to that of wrong passwords.
		auth.VerifyPassword(req.Password, s.dummy())
		s.addressFailures.Fail(ip)
		s.log.Warn("login failed", "reason", "unknown email", "email", truncate(email), "remote_addr", r.RemoteAddr)
		writeUnauthorized(w, "invalid email or password")
		return
	}
	if err := auth.VerifyPassword(req.Password, account.PasswordHash); err != nil {
		if !errors.Is(err, auth.ErrMismatch) {
			s.log.Error("verifying password", "account_id", account.ID, "error", err)
		}
		s.accountFailures.Fail(email)
		s.addressFailures.Fail(ip)
		s.log.Warn("login failed", "reason", "wrong password", "account_id", account.ID, "remote_addr", r.RemoteAddr)
		writeUnauthorized(w, "invalid email or password")
		return
	}
	s.accountFailures.Reset(email)

	token, sum, err := auth.NewToken()
	if err != nil {
		s.log.Error("creating session token", "error", err)
		writeError(w, http.StatusInternalServerError, "creating the session token failed")
		return
	}
	now := time.Now().UTC()
	expires := now.Add(s.SessionTTL)
	session := store.Token{ID: "tok-" + protocol.NewID()[:24], Kind: store.TokenSession, Name: account.Email,
		Role: account.Role, SHA256: sum, AccountID: account.ID, CreatedBy: "account:" + account.Email,
		CreatedAt: now, ExpiresAt: &expires}
	audit := store.AuditEntry{Time: now, Actor: "account:" + account.Email, ActorRole: account.Role,
		Action: "session.create", Target: session.ID, Details: []byte(`{"remote_ip":"` + ip + `"}`)}
	if err := s.Store.CreateToken(r.Context(), session, audit); err != nil {
		s.log.Error("storing session token", "account_id", account.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "storing the session failed")
		return
	}
	s.log.Info("login", "account_id", account.ID, "token_id", session.ID)
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: expires, Email: account.Email, Role: account.Role})
}

func (s *server) loginBlocked(email, ip string) (bool, time.Duration) {
	if blocked, wait := s.accountFailures.Blocked(email); blocked {
		return true, wait
	}
	return s.addressFailures.Blocked(ip)
}

func (s *server) dummy() string {
	s.dummyOnce.Do(func() {
		hash, err := auth.HashPassword("parapet-dummy-password", s.PasswordParams)
		if err != nil {
			s.log.Error("hashing dummy password", "error", err)
		}
		s.dummyHash = hash
	})
	return s.dummyHash
}
