package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"parapet/server/identity"
)

const userColumns = `id, email, name, password_hash, groups_json, guest, oidc_issuer, oidc_subject, disabled, created_at`

func userArgs(u identity.User) ([]any, error) {
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	data, err := json.Marshal(groups)
	if err != nil {
		return nil, fmt.Errorf("encoding groups of user %s: %w", u.ID, err)
	}
	return []any{u.ID, u.Email, u.Name, u.PasswordHash, string(data), boolInt(u.Guest),
		u.OIDCIssuer, u.OIDCSubject, boolInt(u.Disabled), micros(u.CreatedAt)}, nil
}

func (s *Store) CreateUser(ctx context.Context, u identity.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO identity_users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if isUniqueViolation(err) {
		return fmt.Errorf("creating user %s: %w", u.Email, identity.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("creating user %s: %w", u.Email, err)
	}
	return nil
}

func (s *Store) UpdateUser(ctx context.Context, u identity.User) error {
	args, err := userArgs(u)
	if err != nil {
		return err
	}
	const query = `UPDATE identity_users SET email = ?, name = ?, password_hash = ?, groups_json = ?,
		guest = ?, oidc_issuer = ?, oidc_subject = ?, disabled = ?, created_at = ? WHERE id = ?`
	res, err := s.db.ExecContext(ctx, query, append(args[1:], u.ID)...)
	if isUniqueViolation(err) {
		return fmt.Errorf("updating user %s: %w", u.ID, identity.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("updating user %s: %w", u.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("updating user %s: %w", u.ID, identity.ErrNotFound)
	}
	return nil
}

func (s *Store) UserByID(ctx context.Context, id string) (identity.User, error) {
	return s.user(ctx, `id = ?`, id)
}

func (s *Store) UserByEmail(ctx context.Context, email string) (identity.User, error) {
	return s.user(ctx, `email = ?`, email)
}

func (s *Store) UserBySubject(ctx context.Context, issuer, subject string) (identity.User, error) {
	if subject == "" {
		return identity.User{}, identity.ErrNotFound
	}
	return s.user(ctx, `oidc_issuer = ? AND oidc_subject = ?`, issuer, subject)
}

func (s *Store) user(ctx context.Context, cond string, args ...any) (identity.User, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM identity_users WHERE `+cond, args...)
	var (
		u               identity.User
		groups          string
		guest, disabled int
		created         int64
	)
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &groups, &guest, &u.OIDCIssuer,
		&u.OIDCSubject, &disabled, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.User{}, identity.ErrNotFound
	}
	if err != nil {
		return identity.User{}, fmt.Errorf("reading user: %w", err)
	}
	if err := json.Unmarshal([]byte(groups), &u.Groups); err != nil {
		return identity.User{}, fmt.Errorf("decoding groups of user %s: %w", u.ID, err)
	}
	if len(u.Groups) == 0 {
		u.Groups = nil
	}
	u.Guest, u.Disabled = guest == 1, disabled == 1
	u.CreatedAt = fromMicros(created)
	return u, nil
}

// ListUsers returns every user, oldest first.
func (s *Store) ListUsers(ctx context.Context) ([]identity.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM identity_users ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("listing users: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	users := make([]identity.User, 0, len(ids))
	for _, id := range ids {
		u, err := s.UserByID(ctx, id)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}
