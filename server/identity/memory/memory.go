// Package memory implements the identity stores in memory, for tests and
// for trying the server without a database. Everything is lost on restart.
package memory

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"time"

	"parapet/server/identity"
)

// Store implements identity.UserStore, identity.SessionStore, totp.Store
// and passkey.CredentialStore. The zero value is ready to use.
type Store struct {
	mu       sync.Mutex
	users    map[string]identity.User
	sessions map[string]identity.Session
	totp     map[string]totpRecord
	webauthn map[string][]webauthnRecord
}

func (s *Store) init() {
	if s.users == nil {
		s.users = make(map[string]identity.User)
		s.sessions = make(map[string]identity.Session)
		s.totp = make(map[string]totpRecord)
		s.webauthn = make(map[string][]webauthnRecord)
	}
}

func cloneUser(u identity.User) identity.User {
	u.Groups = slices.Clone(u.Groups)
	return u
}

// conflictLocked reports whether u's email or OIDC identity belongs to a
// user other than u.
func (s *Store) conflictLocked(u identity.User) bool {
	for _, other := range s.users {
		if other.ID == u.ID {
			continue
		}
		if other.Email == u.Email {
			return true
		}
		if u.OIDCSubject != "" && other.OIDCIssuer == u.OIDCIssuer && other.OIDCSubject == u.OIDCSubject {
			return true
		}
	}
	return false
}

func (s *Store) CreateUser(_ context.Context, u identity.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.users[u.ID]; ok || s.conflictLocked(u) {
		return identity.ErrExists
	}
	s.users[u.ID] = cloneUser(u)
	return nil
}

func (s *Store) UpdateUser(_ context.Context, u identity.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.users[u.ID]; !ok {
		return identity.ErrNotFound
	}
	if s.conflictLocked(u) {
		return identity.ErrExists
	}
	s.users[u.ID] = cloneUser(u)
	return nil
}

func (s *Store) findUser(match func(identity.User) bool) (identity.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if match(u) {
			return cloneUser(u), nil
		}
	}
	return identity.User{}, identity.ErrNotFound
}

func (s *Store) UserByID(_ context.Context, id string) (identity.User, error) {
	return s.findUser(func(u identity.User) bool { return u.ID == id })
}

func (s *Store) UserByEmail(_ context.Context, email string) (identity.User, error) {
	return s.findUser(func(u identity.User) bool { return u.Email == email })
}

func (s *Store) UserBySubject(_ context.Context, issuer, subject string) (identity.User, error) {
	return s.findUser(func(u identity.User) bool {
		return u.OIDCSubject != "" && u.OIDCIssuer == issuer && u.OIDCSubject == subject
	})
}

func cloneSession(x identity.Session) identity.Session {
	x.TokenHash = bytes.Clone(x.TokenHash)
	return x
}

func (s *Store) CreateSession(_ context.Context, x identity.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if _, ok := s.sessions[x.ID]; ok {
		return identity.ErrExists
	}
	for id, other := range s.sessions {
		if other.UserID == x.UserID && other.DeviceID == x.DeviceID && other.AppID == x.AppID {
			delete(s.sessions, id)
		}
	}
	s.sessions[x.ID] = cloneSession(x)
	return nil
}

func (s *Store) SessionByTokenHash(_ context.Context, hash []byte) (identity.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.sessions {
		if bytes.Equal(x.TokenHash, hash) {
			return cloneSession(x), nil
		}
	}
	return identity.Session{}, identity.ErrNotFound
}

func (s *Store) SessionByID(_ context.Context, id string) (identity.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.sessions[id]
	if !ok {
		return identity.Session{}, identity.ErrNotFound
	}
	return cloneSession(x), nil
}

func (s *Store) UpdateSession(_ context.Context, x identity.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[x.ID]; !ok {
		return identity.ErrNotFound
	}
	s.sessions[x.ID] = cloneSession(x)
	return nil
}

func (s *Store) DeleteSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	return nil
}

func (s *Store) DeleteExpiredSessions(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, x := range s.sessions {
		if !x.ExpiresAt.After(now) {
			delete(s.sessions, id)
			n++
		}
	}
	return n, nil
}
