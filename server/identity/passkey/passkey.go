// Package passkey runs WebAuthn registration and assertion ceremonies with
// github.com/go-webauthn/webauthn, as a second factor for step-up.
package passkey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"parapet/server/identity"
)

// Errors returned by the ceremonies.
var (
	ErrNoCredentials = errors.New("user has no WebAuthn credential")
	// ErrUnknownCeremony means the ceremony id is unknown, expired, was
	// already used, or belongs to another user or ceremony type.
	ErrUnknownCeremony = errors.New("unknown or expired WebAuthn ceremony")
	// ErrCloned means the authenticator's signature counter went backwards,
	// a sign that the credential was copied.
	ErrCloned = errors.New("WebAuthn signature counter did not increase")
)

// CredentialStore keeps each user's WebAuthn credentials. Implementations
// must be safe for concurrent use.
type CredentialStore interface {
	WebAuthnCredentials(ctx context.Context, userID string) ([]webauthn.Credential, error)
	// AddWebAuthnCredential returns identity.ErrExists when the credential
	// id is registered already, for any user.
	AddWebAuthnCredential(ctx context.Context, userID string, c webauthn.Credential) error
	// UpdateWebAuthnCredential replaces the credential with c.ID, to store
	// its new signature counter.
	UpdateWebAuthnCredential(ctx context.Context, userID string, c webauthn.Credential) error
}

// Config sets up the relying party.
type Config struct {
	// RPID is the server's host name without scheme or port, such as
	// "parapet.example.org", or "localhost" in tests. Browsers accept
	// only a registrable domain or "localhost" here, not an IP address.
	RPID string
	// RPDisplayName is shown by the browser, such as "Parapet".
	RPDisplayName string
	// Origins are the server's origins that pages run the ceremonies
	// from, such as "https://parapet.example.org:8443".
	Origins []string
	// Timeout bounds each ceremony. The zero value means 2 minutes.
	Timeout time.Duration
}

// Service runs ceremonies and keeps their session data on the server, so
// a client never sees or returns it. It is safe for concurrent use.
type Service struct {
	webauthn *webauthn.WebAuthn
	store    CredentialStore
	timeout  time.Duration
	// Now returns the current time. Tests replace it.
	Now func() time.Time

	mu         sync.Mutex
	ceremonies map[string]ceremony
}

type ceremonyKind int

const (
	kindRegistration ceremonyKind = iota + 1
	kindAssertion
)

type ceremony struct {
	userID  string
	kind    ceremonyKind
	data    webauthn.SessionData
	expires time.Time
}

// New returns a Service for cfg.
func New(cfg Config, store CredentialStore) (*Service, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID:          cfg.RPID,
		RPDisplayName: cfg.RPDisplayName,
		RPOrigins:     cfg.Origins,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: timeout, TimeoutUVD: timeout},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: timeout, TimeoutUVD: timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("configuring WebAuthn relying party %q: %w", cfg.RPID, err)
	}
	return &Service{webauthn: w, store: store, timeout: timeout, Now: time.Now,
		ceremonies: make(map[string]ceremony)}, nil
}

// user adapts identity.User to webauthn.User.
type user struct {
	identity.User
	credentials []webauthn.Credential
}

func (u user) WebAuthnID() []byte                         { return []byte(u.ID) }
func (u user) WebAuthnName() string                       { return u.Email }
func (u user) WebAuthnDisplayName() string                { return u.displayName() }
func (u user) WebAuthnCredentials() []webauthn.Credential { return u.credentials }

func (u user) displayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

func (s *Service) loadUser(ctx context.Context, u identity.User) (user, error) {
	creds, err := s.store.WebAuthnCredentials(ctx, u.ID)
	if err != nil {
		return user{}, fmt.Errorf("reading WebAuthn credentials of %s: %w", u.ID, err)
	}
	return user{User: u, credentials: creds}, nil
}

func (s *Service) putCeremony(c ceremony) string {
	id := identity.NewID("wac_")
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	for key, old := range s.ceremonies {
		if !now.Before(old.expires) {
			delete(s.ceremonies, key)
		}
	}
	c.expires = now.Add(s.timeout)
	s.ceremonies[id] = c
	return id
}

// takeCeremony removes and returns the ceremony, so each one finishes at
// most once.
func (s *Service) takeCeremony(id, userID string, kind ceremonyKind) (webauthn.SessionData, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ceremonies[id]
	if !ok {
		return webauthn.SessionData{}, ErrUnknownCeremony
	}
	delete(s.ceremonies, id)
	if c.userID != userID || c.kind != kind || !s.Now().Before(c.expires) {
		return webauthn.SessionData{}, ErrUnknownCeremony
	}
	return c.data, nil
}

// BeginRegistration returns the options for navigator.credentials.create
// and the id of the ceremony, which FinishRegistration needs. Credentials
// the user already has are excluded, so one authenticator is not
// registered twice.
func (s *Service) BeginRegistration(ctx context.Context, u identity.User) (*protocol.CredentialCreation, string, error) {
	wu, err := s.loadUser(ctx, u)
	if err != nil {
		return nil, "", err
	}
	exclude := make([]protocol.CredentialDescriptor, 0, len(wu.credentials))
	for _, c := range wu.credentials {
		exclude = append(exclude, c.Descriptor())
	}
	options, data, err := s.webauthn.BeginRegistration(wu,
		webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementDiscouraged,
			UserVerification: protocol.VerificationPreferred,
		}))
	if err != nil {
		return nil, "", fmt.Errorf("beginning WebAuthn registration for %s: %w", u.ID, err)
	}
	id := s.putCeremony(ceremony{userID: u.ID, kind: kindRegistration, data: *data})
	return options, id, nil
}

// FinishRegistration verifies the authenticator's response in r's body
// and stores the new credential.
func (s *Service) FinishRegistration(ctx context.Context, u identity.User, ceremonyID string, r *http.Request) (webauthn.Credential, error) {
	data, err := s.takeCeremony(ceremonyID, u.ID, kindRegistration)
	if err != nil {
		return webauthn.Credential{}, err
	}
	wu, err := s.loadUser(ctx, u)
	if err != nil {
		return webauthn.Credential{}, err
	}
	cred, err := s.webauthn.FinishRegistration(wu, data, r)
	if err != nil {
		return webauthn.Credential{}, fmt.Errorf("verifying WebAuthn registration for %s: %w", u.ID, err)
	}
	if err := s.store.AddWebAuthnCredential(ctx, u.ID, *cred); err != nil {
		return webauthn.Credential{}, fmt.Errorf("storing WebAuthn credential for %s: %w", u.ID, err)
	}
	return *cred, nil
}

// HasCredentials reports whether the user has registered an authenticator.
func (s *Service) HasCredentials(ctx context.Context, userID string) bool {
	creds, err := s.store.WebAuthnCredentials(ctx, userID)
	return err == nil && len(creds) > 0
}

// BeginAssertion returns the options for navigator.credentials.get,
// limited to the user's credentials, and the ceremony id. It returns
// ErrNoCredentials when the user has none.
func (s *Service) BeginAssertion(ctx context.Context, u identity.User) (*protocol.CredentialAssertion, string, error) {
	wu, err := s.loadUser(ctx, u)
	if err != nil {
		return nil, "", err
	}
	if len(wu.credentials) == 0 {
		return nil, "", ErrNoCredentials
	}
	options, data, err := s.webauthn.BeginLogin(wu, webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, "", fmt.Errorf("beginning WebAuthn assertion for %s: %w", u.ID, err)
	}
	id := s.putCeremony(ceremony{userID: u.ID, kind: kindAssertion, data: *data})
	return options, id, nil
}

// FinishAssertion verifies the assertion in r's body against the user's
// credentials and stores the credential's new signature counter. It
// returns ErrCloned when the counter did not increase.
func (s *Service) FinishAssertion(ctx context.Context, u identity.User, ceremonyID string, r *http.Request) error {
	data, err := s.takeCeremony(ceremonyID, u.ID, kindAssertion)
	if err != nil {
		return err
	}
	wu, err := s.loadUser(ctx, u)
	if err != nil {
		return err
	}
	cred, err := s.webauthn.FinishLogin(wu, data, r)
	if err != nil {
		return fmt.Errorf("verifying WebAuthn assertion for %s: %w", u.ID, err)
	}
	if cred.Authenticator.CloneWarning {
		return ErrCloned
	}
	if err := s.store.UpdateWebAuthnCredential(ctx, u.ID, *cred); err != nil {
		return fmt.Errorf("storing WebAuthn credential for %s: %w", u.ID, err)
	}
	return nil
}
