package store

import (
	"context"
	"database/sql"
	"fmt"
)

// DB returns the database handle, for stores of other packages that keep
// their tables in the same file, such as server/identity/sqlstore. Their
// tables are created by this package's migrations.
func (s *SQLite) DB() *sql.DB { return s.db }

// InsertAudit appends e to the audit log on its own, for changes whose
// record lives in another package's tables.
func (s *SQLite) InsertAudit(ctx context.Context, e AuditEntry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	defer tx.Rollback()
	if err := insertAudit(ctx, tx, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing %s: %w", e.Action, err)
	}
	return nil
}
