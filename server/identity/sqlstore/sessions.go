package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"parapet/server/identity"
)

const sessionColumns = `id, token_sha256, user_id, device_id, app_id, first_ip, current_ip,
	created_at, expires_at, authenticated_at, ip_changed`

func addrText(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func (s *Store) CreateSession(ctx context.Context, x identity.Session) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `DELETE FROM identity_sessions WHERE user_id = ? AND device_id = ? AND app_id = ?`,
		x.UserID, x.DeviceID, x.AppID)
	if err != nil {
		return fmt.Errorf("replacing session of user %s: %w", x.UserID, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO identity_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, x.TokenHash, x.UserID, x.DeviceID, x.AppID, addrText(x.FirstIP), addrText(x.CurrentIP),
		micros(x.CreatedAt), micros(x.ExpiresAt), micros(x.AuthenticatedAt), boolInt(x.IPChanged))
	if isUniqueViolation(err) {
		return fmt.Errorf("creating session %s: %w", x.ID, identity.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("creating session %s: %w", x.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing session %s: %w", x.ID, err)
	}
	return nil
}

func (s *Store) SessionByTokenHash(ctx context.Context, hash []byte) (identity.Session, error) {
	return s.session(ctx, `token_sha256 = ?`, hash)
}

func (s *Store) SessionByID(ctx context.Context, id string) (identity.Session, error) {
	return s.session(ctx, `id = ?`, id)
}

// SessionByScope returns the session of the user on the device and app,
// expired or not, or ErrNotFound.
func (s *Store) SessionByScope(ctx context.Context, userID, deviceID, appID string) (identity.Session, error) {
	return s.session(ctx, `user_id = ? AND device_id = ? AND app_id = ?`, userID, deviceID, appID)
}

// SessionsOfUser returns the user's sessions, expired ones included,
// oldest first.
func (s *Store) SessionsOfUser(ctx context.Context, userID string) ([]identity.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sessionColumns+` FROM identity_sessions WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("listing sessions of user %s: %w", userID, err)
	}
	defer rows.Close()
	var out []identity.Session
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing sessions of user %s: %w", userID, err)
	}
	return out, nil
}

func (s *Store) session(ctx context.Context, cond string, args ...any) (identity.Session, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM identity_sessions WHERE `+cond, args...)
	x, err := scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.Session{}, identity.ErrNotFound
	}
	return x, err
}

type scanner interface{ Scan(dest ...any) error }

func scanSession(row scanner) (identity.Session, error) {
	var (
		x                               identity.Session
		first, current                  string
		created, expires, authenticated int64
		changed                         int
	)
	err := row.Scan(&x.ID, &x.TokenHash, &x.UserID, &x.DeviceID, &x.AppID, &first, &current,
		&created, &expires, &authenticated, &changed)
	if errors.Is(err, sql.ErrNoRows) {
		return identity.Session{}, err
	}
	if err != nil {
		return identity.Session{}, fmt.Errorf("reading session: %w", err)
	}
	// An empty or unparsable address stays the zero Addr, which compares
	// unequal to every real address.
	x.FirstIP, _ = netip.ParseAddr(first)
	x.CurrentIP, _ = netip.ParseAddr(current)
	x.CreatedAt, x.ExpiresAt = fromMicros(created), fromMicros(expires)
	x.AuthenticatedAt = fromMicros(authenticated)
	x.IPChanged = changed == 1
	return x, nil
}

func (s *Store) UpdateSession(ctx context.Context, x identity.Session) error {
	const query = `UPDATE identity_sessions SET token_sha256 = ?, user_id = ?, device_id = ?, app_id = ?,
		first_ip = ?, current_ip = ?, created_at = ?, expires_at = ?, authenticated_at = ?, ip_changed = ?
		WHERE id = ?`
	res, err := s.db.ExecContext(ctx, query, x.TokenHash, x.UserID, x.DeviceID, x.AppID, addrText(x.FirstIP),
		addrText(x.CurrentIP), micros(x.CreatedAt), micros(x.ExpiresAt), micros(x.AuthenticatedAt),
		boolInt(x.IPChanged), x.ID)
	if err != nil {
		return fmt.Errorf("updating session %s: %w", x.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("updating session %s: %w", x.ID, identity.ErrNotFound)
	}
	return nil
}

func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM identity_sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("deleting session %s: %w", id, err)
	}
	return nil
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM identity_sessions WHERE expires_at <= ?`, now.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("deleting expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
