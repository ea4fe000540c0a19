package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// UserBlock is an admin's block of a user. Every action of the user is
// blocked while it lasts.
type UserBlock struct {
	// User is the email the activity log records for the user.
	User      string    `json:"user"`
	Reason    string    `json:"reason"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Until is nil for a block that lasts until an admin lifts it.
	Until *time.Time `json:"until"`
}

// Active reports whether the block is in force at now.
func (b UserBlock) Active(now time.Time) bool {
	return b.Until == nil || now.Before(*b.Until)
}

// BlockUser creates or replaces the block of b.User and writes audit in
// the same transaction.
func (s *SQLite) BlockUser(ctx context.Context, b UserBlock, audit AuditEntry) error {
	const query = `INSERT INTO user_blocks (user, reason, created_by, created_at, until) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user) DO UPDATE SET reason = excluded.reason, created_by = excluded.created_by,
		created_at = excluded.created_at, until = excluded.until`
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, b.User, b.Reason, b.CreatedBy, b.CreatedAt.UnixMicro(), nullMicros(b.Until))
		if err != nil {
			return fmt.Errorf("blocking user %s: %w", b.User, err)
		}
		return nil
	})
}

// UnblockUser deletes the block of user and writes audit in the same
// transaction. It reports whether a block existed.
func (s *SQLite) UnblockUser(ctx context.Context, user string, audit AuditEntry) (bool, error) {
	var existed bool
	err := s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM user_blocks WHERE user = ?`, user)
		if err != nil {
			return fmt.Errorf("unblocking user %s: %w", user, err)
		}
		n, _ := res.RowsAffected()
		existed = n > 0
		return nil
	})
	return existed, err
}

// UserBlock returns the block of user, expired or not, or ErrNotFound.
func (s *SQLite) UserBlock(ctx context.Context, user string) (UserBlock, error) {
	var (
		b       UserBlock
		created int64
		until   sql.NullInt64
	)
	err := s.db.QueryRowContext(ctx, `SELECT user, reason, created_by, created_at, until FROM user_blocks WHERE user = ?`, user).
		Scan(&b.User, &b.Reason, &b.CreatedBy, &created, &until)
	if errors.Is(err, sql.ErrNoRows) {
		return UserBlock{}, ErrNotFound
	}
	if err != nil {
		return UserBlock{}, fmt.Errorf("reading block of user %s: %w", user, err)
	}
	b.CreatedAt = time.UnixMicro(created).UTC()
	b.Until = timeFromNull(until)
	return b, nil
}

// BlockActivity changes a logged activity's decision to block, for an
// action that anomaly detection stopped after it was logged. reason
// replaces the activity's reason and codes its reason codes.
func (s *SQLite) BlockActivity(ctx context.Context, id, reason string, codes []string) error {
	list, err := jsonList(codes)
	if err != nil {
		return fmt.Errorf("encoding codes of activity %s: %w", id, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE activities SET decision = 'block', reason = ?, codes = ? WHERE id = ?`, reason, list, id)
	if err != nil {
		return fmt.Errorf("blocking activity %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("blocking activity %s: %w", id, ErrNotFound)
	}
	return nil
}
