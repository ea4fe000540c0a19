package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

func (s *SQLite) CreateToken(ctx context.Context, t Token, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		const query = `INSERT INTO api_tokens (id, kind, name, role, token_sha256, account_id,
			created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
		var account any
		if t.AccountID != "" {
			account = t.AccountID
		}
		_, err := tx.ExecContext(ctx, query, t.ID, t.Kind, t.Name, t.Role, t.SHA256, account,
			t.CreatedBy, t.CreatedAt.UnixMicro(), microsOrNil(t.ExpiresAt))
		if err != nil {
			return fmt.Errorf("inserting token %s: %w", t.ID, err)
		}
		return nil
	})
}

const tokenColumns = `id, kind, name, role, token_sha256, account_id, created_by, created_at,
	last_used_at, expires_at, revoked_at`

func (s *SQLite) TokenBySHA256(ctx context.Context, sum []byte) (Token, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_sha256 = ?`, sum)
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	return t, err
}

func (s *SQLite) TouchToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, at.UnixMicro(), id)
	if err != nil {
		return fmt.Errorf("updating token %s: %w", id, err)
	}
	return expectOneRow(res, "token "+id)
}

func (s *SQLite) ListTokens(ctx context.Context, kind string) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE kind = ? ORDER BY created_at, id`, kind)
	if err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	defer rows.Close()
	tokens := []Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing tokens: %w", err)
	}
	return tokens, nil
}

func (s *SQLite) RevokeToken(ctx context.Context, id string, at time.Time, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		const query = `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`
		res, err := tx.ExecContext(ctx, query, at.UnixMicro(), id)
		if err != nil {
			return fmt.Errorf("revoking token %s: %w", id, err)
		}
		return expectOneRow(res, "token "+id)
	})
}

func scanToken(row scanner) (Token, error) {
	var (
		t                      Token
		account                sql.NullString
		created                int64
		used, expires, revoked sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.Kind, &t.Name, &t.Role, &t.SHA256, &account, &t.CreatedBy, &created,
		&used, &expires, &revoked)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Token{}, err
		}
		return Token{}, fmt.Errorf("reading token: %w", err)
	}
	t.AccountID = account.String
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.LastUsedAt = timeOrNil(used)
	t.ExpiresAt = timeOrNil(expires)
	t.RevokedAt = timeOrNil(revoked)
	return t, nil
}
