package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	// Registers the pure-Go "sqlite" driver, so the server builds without cgo.
	_ "modernc.org/sqlite"
)

// busyTimeoutMillis is how long a connection waits for another writer's
// lock before it returns SQLITE_BUSY.
const busyTimeoutMillis = 5000

// SQLite is a Store in one SQLite database file.
type SQLite struct {
	db *sql.DB
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens or creates the database at path, switches it to WAL
// mode with foreign keys on, and applies pending migrations.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	// Each _pragma runs on every new connection of the pool. Write
	// transactions take the lock at BEGIN (_txlock=immediate), so two
	// writers wait on busy_timeout instead of failing on lock upgrade.
	query := url.Values{}
	query.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis))
	query.Add("_pragma", "journal_mode(WAL)")
	query.Add("_pragma", "foreign_keys(1)")
	query.Add("_pragma", "synchronous(NORMAL)")
	query.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: query.Encode()}).String()

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating database %s: %w", path, err)
	}
	return &SQLite{db: db}, nil
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }
