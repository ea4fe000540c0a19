package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"parapet/server/auth"
)

// Directory manages users: it creates local users, checks their passwords
// and links OIDC identities. It is safe for concurrent use.
type Directory struct {
	Store UserStore
	Org   Organization
	// PasswordParams are the argon2id costs for new hashes. The zero value
	// means auth.DefaultParams.
	PasswordParams auth.Params
	// Failures limits failed local sign-ins per email and per source
	// address. Nil disables the limit.
	Failures *auth.Limiter
	Now      func() time.Time
	Log      *slog.Logger

	dummyOnce sync.Once
	dummyHash string
}

// NewLocalUser describes a user who signs in with a password.
type NewLocalUser struct {
	Email    string
	Name     string
	Password string
	Groups   []string
	Guest    bool
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Directory) log() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Directory) params() auth.Params {
	if d.PasswordParams == (auth.Params{}) {
		return auth.DefaultParams
	}
	return d.PasswordParams
}

// CreateLocalUser checks the password length, hashes the password and
// stores the user. It returns ErrExists for a taken email.
func (d *Directory) CreateLocalUser(ctx context.Context, n NewLocalUser) (User, error) {
	email := NormalizeEmail(n.Email)
	if EmailDomain(email) == "" {
		return User{}, fmt.Errorf("creating user: email %q has no domain", n.Email)
	}
	if err := auth.CheckPassword(n.Password); err != nil {
		return User{}, fmt.Errorf("creating user %s: %w", email, err)
	}
	hash, err := auth.HashPassword(n.Password, d.params())
	if err != nil {
		return User{}, fmt.Errorf("hashing password of %s: %w", email, err)
	}
	u := User{ID: NewID("usr_"), Email: email, Name: n.Name, PasswordHash: hash,
		Groups: n.Groups, Guest: n.Guest, CreatedAt: d.now()}
	if err := d.Store.CreateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("storing user %s: %w", email, err)
	}
	return u, nil
}

// SetPassword replaces the password of the user with id.
func (d *Directory) SetPassword(ctx context.Context, id, password string) error {
	if err := auth.CheckPassword(password); err != nil {
		return fmt.Errorf("setting password of %s: %w", id, err)
	}
	u, err := d.Store.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("reading user %s: %w", id, err)
	}
	if u.PasswordHash, err = auth.HashPassword(password, d.params()); err != nil {
		return fmt.Errorf("hashing password of %s: %w", id, err)
	}
	if err := d.Store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("storing user %s: %w", id, err)
	}
	return nil
}

// Authenticate checks a local user's email and password. It returns
// ErrInvalidCredentials for an unknown email, a user without a password or
// a wrong password, ErrDisabled for a disabled user, and ErrRateLimited
// while the email or ip has too many recent failures. ip is the source
// address used for the limit.
func (d *Directory) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	email = NormalizeEmail(email)
	if d.Failures != nil {
		if blocked, _ := d.Failures.Blocked("email:" + email); blocked {
			return User{}, ErrRateLimited
		}
		if blocked, _ := d.Failures.Blocked("ip:" + ip); blocked {
			return User{}, ErrRateLimited
		}
	}
	u, err := d.Store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return User{}, fmt.Errorf("reading user %s: %w", email, err)
	}
	hash := u.PasswordHash
	if hash == "" {
		// Verifying against a dummy hash keeps the response time of unknown
		// emails and OIDC-only users equal to that of a wrong password.
		hash = d.dummy()
	}
	verifyErr := auth.VerifyPassword(password, hash)
	if err != nil || u.PasswordHash == "" || verifyErr != nil {
		if verifyErr != nil && !errors.Is(verifyErr, auth.ErrMismatch) {
			d.log().Error("verifying password", "user_id", u.ID, "error", verifyErr)
		}
		d.fail(email, ip)
		return User{}, ErrInvalidCredentials
	}
	if u.Disabled {
		return User{}, ErrDisabled
	}
	if d.Failures != nil {
		d.Failures.Reset("email:" + email)
	}
	return u, nil
}

func (d *Directory) fail(email, ip string) {
	if d.Failures == nil {
		return
	}
	d.Failures.Fail("email:" + email)
	d.Failures.Fail("ip:" + ip)
}

func (d *Directory) dummy() string {
	d.dummyOnce.Do(func() {
		hash, err := auth.HashPassword("parapet-identity-dummy", d.params())
		if err != nil {
			d.log().Error("hashing dummy password", "error", err)
		}
		d.dummyHash = hash
	})
	return d.dummyHash
}

// OIDCIdentity is what an OIDC provider asserted about a user.
type OIDCIdentity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// UpsertOIDCUser returns the user for id, creating or updating it. A user
// is found by issuer and subject first. Failing that, an existing user with
// the same email is linked only when the provider marked the email as
// verified, so an unverified claim cannot take over a local account. Email,
// name and groups are refreshed from the provider on every sign-in.
func (d *Directory) UpsertOIDCUser(ctx context.Context, id OIDCIdentity) (User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return User{}, errors.New("linking OIDC user: missing issuer or subject")
	}
	email := NormalizeEmail(id.Email)
	u, err := d.Store.UserBySubject(ctx, id.Issuer, id.Subject)
	if errors.Is(err, ErrNotFound) && email != "" && id.EmailVerified {
		u, err = d.Store.UserByEmail(ctx, email)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		if email == "" {
			return User{}, fmt.Errorf("creating OIDC user %s: the ID token has no email claim", id.Subject)
		}
		u = User{ID: NewID("usr_"), Email: email, Name: id.Name, Groups: id.Groups,
			OIDCIssuer: id.Issuer, OIDCSubject: id.Subject, CreatedAt: d.now()}
		if err := d.Store.CreateUser(ctx, u); err != nil {
			return User{}, fmt.Errorf("storing OIDC user %s: %w", email, err)
		}
		d.log().Info("user created from OIDC", "user_id", u.ID, "issuer", id.Issuer)
		return u, nil
	case err != nil:
		return User{}, fmt.Errorf("reading OIDC user %s: %w", id.Subject, err)
	}
	if u.Disabled {
		return User{}, ErrDisabled
	}
	if u.OIDCSubject != "" && (u.OIDCIssuer != id.Issuer || u.OIDCSubject != id.Subject) {
		return User{}, fmt.Errorf("linking OIDC user %s: the email belongs to a user linked to another OIDC identity: %w", email, ErrExists)
	}
	u.OIDCIssuer, u.OIDCSubject = id.Issuer, id.Subject
	if email != "" {
		u.Email = email
	}
	if id.Name != "" {
		u.Name = id.Name
	}
	if id.Groups != nil {
		u.Groups = id.Groups
	}
	if err := d.Store.UpdateUser(ctx, u); err != nil {
		return User{}, fmt.Errorf("storing OIDC user %s: %w", u.ID, err)
	}
	return u, nil
}

// User returns the user with id.
func (d *Directory) User(ctx context.Context, id string) (User, error) {
	u, err := d.Store.UserByID(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("reading user %s: %w", id, err)
	}
	return u, nil
}

// IsGuest reports whether u is a guest of the directory's organization.
func (d *Directory) IsGuest(u User) bool { return d.Org.IsGuest(u) }
