package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

func (s *SQLite) CreateAccount(ctx context.Context, a Account, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		const query = `INSERT INTO accounts (id, email, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`
		_, err := tx.ExecContext(ctx, query, a.ID, strings.ToLower(a.Email), a.Role, a.PasswordHash, a.CreatedAt.UnixMicro())
		if isUniqueViolation(err) {
			return fmt.Errorf("account %s: %w", a.Email, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("inserting account %s: %w", a.Email, err)
		}
		return nil
	})
}

const accountColumns = `id, email, role, password_hash, created_at`

func (s *SQLite) Account(ctx context.Context, id string) (Account, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id)
	return scanAccount(row, id)
}

func (s *SQLite) AccountByEmail(ctx context.Context, email string) (Account, error) {
	email = strings.ToLower(email)
	row := s.db.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE email = ?`, email)
	return scanAccount(row, email)
}

func (s *SQLite) ListAccounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	defer rows.Close()
	accounts := []Account{}
	for rows.Next() {
		a, err := scanAccount(rows, "")
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	return accounts, nil
}

func (s *SQLite) DeleteAccount(ctx context.Context, id string, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		var email string
		err := tx.QueryRowContext(ctx, `SELECT email FROM accounts WHERE id = ?`, id).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("account %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("reading account %s: %w", id, err)
		}
		// API tokens the account created while signed in would otherwise
		// keep its access after the account is gone. Session tokens go
		// with the account through ON DELETE CASCADE.
		_, err = tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ?
			WHERE kind = 'api' AND created_by = ? AND revoked_at IS NULL`,
			time.Now().UnixMicro(), "account:"+email)
		if err != nil {
			return fmt.Errorf("revoking tokens of account %s: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("deleting account %s: %w", id, err)
		}
		return expectOneRow(res, "account "+id)
	})
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(row scanner, key string) (Account, error) {
	var (
		a       Account
		created int64
	)
	err := row.Scan(&a.ID, &a.Email, &a.Role, &a.PasswordHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("reading account: %w", err)
	}
	a.CreatedAt = time.UnixMicro(created).UTC()
	return a, nil
}
