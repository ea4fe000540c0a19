// Package identity stores the people who use protected apps, signs them in
// with a local password or OpenID Connect, and keeps their sessions.
//
// Subpackages add the pieces around it: oidclogin (the OIDC client),
// totp and passkey (second factors), stepup (held actions that wait for a
// re-authentication), signin (the HTML sign-in flow for the extension) and
// memory (in-memory stores for tests).
package identity

import (
	"errors"
	"strings"
	"time"
)

// User is a person who signs in to protected apps. It is distinct from the
// admin console's accounts.
type User struct {
	// ID is random and never reused. Its bytes are also the WebAuthn user
	// handle, so it must stay at most 64 bytes.
	ID string
	// Email is stored lowercase and is unique.
	Email string
	// Name is for display only.
	Name string
	// PasswordHash is the argon2id hash in PHC format, or empty for users
	// who sign in only through OIDC.
	PasswordHash string
	// Groups are the user's group names, from the admin or the OIDC
	// groups claim.
	Groups []string
	// Guest marks a user as a guest regardless of domain and groups.
	Guest bool
	// OIDCIssuer and OIDCSubject identify the user at the OIDC provider,
	// once they have signed in through it.
	OIDCIssuer  string
	OIDCSubject string
	// Disabled users cannot sign in or pass a step-up.
	Disabled  bool
	CreatedAt time.Time
}

// Errors returned by stores and by this package. Stores return ErrNotFound
// and ErrExists, wrapped or not, so callers can test with errors.Is.
var (
	ErrNotFound           = errors.New("not found")
	ErrExists             = errors.New("already exists")
	ErrInvalidCredentials = errors.New("invalid email or password")
	ErrDisabled           = errors.New("user is disabled")
	ErrExpired            = errors.New("session expired")
	ErrRateLimited        = errors.New("too many failed sign-ins, try again later")
)

// NormalizeEmail returns email trimmed and lowercased, the form in which
// users are stored and looked up.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// EmailDomain returns the part of email after the last "@", lowercased, or
// "" when email has none.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}
