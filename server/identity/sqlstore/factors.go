package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/webauthn"

	"parapet/server/identity"
	"parapet/server/identity/totp"
)

func (s *Store) TOTPEnrollment(ctx context.Context, userID string) (totp.Enrollment, error) {
	var (
		e         totp.Enrollment
		confirmed int
		created   int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT user_id, secret, confirmed, last_step, created_at FROM identity_totp WHERE user_id = ?`, userID).
		Scan(&e.UserID, &e.Secret, &confirmed, &e.LastStep, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return totp.Enrollment{}, fmt.Errorf("reading TOTP enrollment of %s: %w", userID, identity.ErrNotFound)
	}
	if err != nil {
		return totp.Enrollment{}, fmt.Errorf("reading TOTP enrollment of %s: %w", userID, err)
	}
	e.Confirmed = confirmed == 1
	e.CreatedAt = fromMicros(created)
	return e, nil
}

func (s *Store) SaveTOTPEnrollment(ctx context.Context, e totp.Enrollment) error {
	const query = `INSERT INTO identity_totp (user_id, secret, confirmed, last_step, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, confirmed = excluded.confirmed,
		last_step = excluded.last_step, created_at = excluded.created_at`
	_, err := s.db.ExecContext(ctx, query, e.UserID, e.Secret, boolInt(e.Confirmed), e.LastStep, micros(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("storing TOTP enrollment of %s: %w", e.UserID, err)
	}
	return nil
}

// AdvanceTOTPStep checks and writes in one UPDATE, so two requests with
// the same code cannot both pass.
func (s *Store) AdvanceTOTPStep(ctx context.Context, userID string, step int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE identity_totp SET last_step = ? WHERE user_id = ? AND last_step < ?`, step, userID, step)
	if err != nil {
		return fmt.Errorf("advancing TOTP step of %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := s.TOTPEnrollment(ctx, userID); err != nil {
		return err
	}
	return totp.ErrReplayed
}

func (s *Store) DeleteTOTPEnrollment(ctx context.Context, userID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM identity_totp WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("deleting TOTP enrollment of %s: %w", userID, err)
	}
	return nil
}

func (s *Store) WebAuthnCredentials(ctx context.Context, userID string) ([]webauthn.Credential, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT credential_json FROM identity_webauthn WHERE user_id = ? ORDER BY rowid`, userID)
	if err != nil {
		return nil, fmt.Errorf("reading WebAuthn credentials of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []webauthn.Credential
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("reading WebAuthn credentials of %s: %w", userID, err)
		}
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return nil, fmt.Errorf("decoding WebAuthn credential of %s: %w", userID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading WebAuthn credentials of %s: %w", userID, err)
	}
	return out, nil
}

func (s *Store) AddWebAuthnCredential(ctx context.Context, userID string, c webauthn.Credential) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding WebAuthn credential of %s: %w", userID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO identity_webauthn (credential_id, user_id, credential_json) VALUES (?, ?, ?)`,
		c.ID, userID, string(data))
	if isUniqueViolation(err) {
		return identity.ErrExists
	}
	if err != nil {
		return fmt.Errorf("storing WebAuthn credential of %s: %w", userID, err)
	}
	return nil
}

func (s *Store) UpdateWebAuthnCredential(ctx context.Context, userID string, c webauthn.Credential) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encoding WebAuthn credential of %s: %w", userID, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE identity_webauthn SET credential_json = ? WHERE credential_id = ? AND user_id = ?`,
		string(data), c.ID, userID)
	if err != nil {
		return fmt.Errorf("updating WebAuthn credential of %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return identity.ErrNotFound
	}
	return nil
}
