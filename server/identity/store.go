package identity

import (
	"context"
	"time"
)

// UserStore keeps users. Implementations must be safe for concurrent use.
// The in-memory one is in the memory subpackage. A SQLite one needs a
// unique index on email and on (oidc_issuer, oidc_subject) where both are
// set.
type UserStore interface {
	// CreateUser adds u. It returns ErrExists when the email, or the OIDC
	// issuer and subject, belong to another user.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser replaces the user with u.ID. It returns ErrNotFound for an
	// unknown ID and ErrExists when the new email is taken.
	UpdateUser(ctx context.Context, u User) error
	// UserByID, UserByEmail and UserBySubject return ErrNotFound when no
	// user matches. Email is passed normalized.
	UserByID(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	UserBySubject(ctx context.Context, issuer, subject string) (User, error)
}

// SessionStore keeps sessions. Implementations must be safe for concurrent
// use, and must store only the SHA-256 of a session's token.
type SessionStore interface {
	// CreateSession adds s and, in the same transaction, deletes any other
	// session with the same user, device and app, so each such triple
	// has at most one session.
	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns the session whose TokenHash equals hash,
	// or ErrNotFound. It returns expired sessions too, so the caller can
	// tell an expired token from an unknown one.
	SessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	// SessionByID returns ErrNotFound for an unknown id.
	SessionByID(ctx context.Context, id string) (Session, error)
	// UpdateSession replaces the session with s.ID, or returns ErrNotFound.
	UpdateSession(ctx context.Context, s Session) error
	// DeleteSession returns nil when the session does not exist.
	DeleteSession(ctx context.Context, id string) error
	// DeleteExpiredSessions deletes sessions whose ExpiresAt is not after
	// now, and returns how many it deleted.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}
