package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// sqliteConstraintUnique is SQLITE_CONSTRAINT_UNIQUE, the extended result
// code of a UNIQUE violation.
const sqliteConstraintUnique = 2067

func isUniqueViolation(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == sqliteConstraintUnique
}

// withAudit runs change and inserts audit in one transaction.
func (s *SQLite) withAudit(ctx context.Context, audit AuditEntry, change func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	defer tx.Rollback()
	if err := change(tx); err != nil {
		return err
	}
	if err := insertAudit(ctx, tx, audit); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing %s: %w", audit.Action, err)
	}
	return nil
}

func insertAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) error {
	if e.ID == "" {
		e.ID = "aud-" + randomHex(12)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	details := string(e.Details)
	if details == "" {
		details = "{}"
	}
	const query = `INSERT INTO audit_log (id, time, actor, actor_role, action, target, details)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	_, err := tx.ExecContext(ctx, query, e.ID, e.Time.UnixMicro(), e.Actor, e.ActorRole, e.Action, e.Target, details)
	if err != nil {
		return fmt.Errorf("inserting audit entry %s: %w", e.Action, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("reading random bytes: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// expectOneRow turns an UPDATE or DELETE that matched no row into
// ErrNotFound.
func expectOneRow(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("updating %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

func microsOrNil(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func timeOrNil(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMicro(v.Int64).UTC()
	return &t
}
