// Package sqlstore implements the identity stores (users, sessions, TOTP
// enrollments and WebAuthn credentials) on the server's SQLite database.
// The tables come from server/store's migration 0005.
package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/passkey"
	"parapet/server/identity/totp"
)

// Store implements identity.UserStore, identity.SessionStore, totp.Store
// and passkey.CredentialStore. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

var (
	_ identity.UserStore      = (*Store)(nil)
	_ identity.SessionStore   = (*Store)(nil)
	_ totp.Store              = (*Store)(nil)
	_ passkey.CredentialStore = (*Store)(nil)
)

// New returns a store on db, which must have the tables of migration 0005.
func New(db *sql.DB) *Store { return &Store{db: db} }

// sqliteConstraintUnique and sqliteConstraintPrimaryKey are the extended
// result codes of a UNIQUE and a PRIMARY KEY violation.
const (
	sqliteConstraintUnique     = 2067
	sqliteConstraintPrimaryKey = 1555
)

func isUniqueViolation(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	return coded.Code() == sqliteConstraintUnique || coded.Code() == sqliteConstraintPrimaryKey
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
