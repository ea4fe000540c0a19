package memory

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-webauthn/webauthn/webauthn"

	"parapet/server/identity"
	"parapet/server/identity/totp"
)

type totpRecord = totp.Enrollment

func (s *Store) TOTPEnrollment(_ context.Context, userID string) (totp.Enrollment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok {
		return totp.Enrollment{}, fmt.Errorf("reading TOTP enrollment of %s: %w", userID, identity.ErrNotFound)
	}
	return e, nil
}

func (s *Store) SaveTOTPEnrollment(_ context.Context, e totp.Enrollment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.totp[e.UserID] = e
	return nil
}

func (s *Store) AdvanceTOTPStep(_ context.Context, userID string, step int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.totp[userID]
	if !ok {
		return fmt.Errorf("advancing TOTP step of %s: %w", userID, identity.ErrNotFound)
	}
	if step <= e.LastStep {
		return totp.ErrReplayed
	}
	e.LastStep = step
	s.totp[userID] = e
	return nil
}

func (s *Store) DeleteTOTPEnrollment(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.totp, userID)
	return nil
}

type webauthnRecord = webauthn.Credential

func (s *Store) WebAuthnCredentials(_ context.Context, userID string) ([]webauthn.Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]webauthn.Credential(nil), s.webauthn[userID]...), nil
}

func (s *Store) AddWebAuthnCredential(_ context.Context, userID string, c webauthn.Credential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for _, list := range s.webauthn {
		for _, other := range list {
			if bytes.Equal(other.ID, c.ID) {
				return identity.ErrExists
			}
		}
	}
	s.webauthn[userID] = append(s.webauthn[userID], c)
	return nil
}

func (s *Store) UpdateWebAuthnCredential(_ context.Context, userID string, c webauthn.Credential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.webauthn[userID]
	for i := range list {
		if bytes.Equal(list[i].ID, c.ID) {
			list[i] = c
			return nil
		}
	}
	return identity.ErrNotFound
}
