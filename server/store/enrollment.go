package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Reasons that EnrollDevice rejects an enrollment token that exists. An
// unknown token returns ErrNotFound.
var (
	ErrTokenRevoked = errors.New("enrollment token revoked")
	ErrTokenExpired = errors.New("enrollment token expired")
	ErrTokenUsedUp  = errors.New("enrollment token has no uses left")
)

// EnrollmentToken lets devices enroll. Only the SHA-256 of its secret is
// stored.
type EnrollmentToken struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// SHA256 is the hash of the whole token string.
	SHA256 []byte `json:"-"`
	// Managed marks the devices enrolled with the token as managed.
	Managed bool `json:"managed"`
	// User, when set, is the user of every device enrolled with the
	// token, whatever user the enrollment request names.
	User string `json:"user"`
	// MaxUses is how many devices may enroll with the token, at least 1.
	MaxUses int `json:"max_uses"`
	// Uses is how many have.
	Uses       int        `json:"uses"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Enrollment is a device to store with EnrollDevice.
type Enrollment struct {
	// Device is the new device. EnrollDevice sets its Managed, User and
	// EnrollmentTokenID from the token when TokenSHA256 is set.
	Device Device
	// TokenSHA256 is the hash of the enrollment token the agent sent, or
	// nil for the server's own token, which has no use limit.
	TokenSHA256 []byte
}

// Enrolled is the result of EnrollDevice.
type Enrolled struct {
	// Device is the stored device.
	Device Device
	// Replaced lists the ids of earlier devices with the same host id that
	// this enrollment revoked.
	Replaced []string
}

func (s *SQLite) EnrollDevice(ctx context.Context, e Enrollment) (Enrolled, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Enrolled{}, fmt.Errorf("starting enrollment: %w", err)
	}
	defer tx.Rollback()

	d := e.Device
	if e.TokenSHA256 != nil {
		t, err := consumeToken(ctx, tx, e.TokenSHA256, d.EnrolledAt)
		if err != nil {
			return Enrolled{}, err
		}
		d.EnrollmentTokenID = t.ID
		d.Managed = t.Managed
		if t.User != "" {
			d.User = t.User
		}
	}
	replaced, err := replaceHost(ctx, tx, d)
	if err != nil {
		return Enrolled{}, err
	}
	if err := insertDevice(ctx, tx, d); err != nil {
		return Enrolled{}, err
	}
	if err := tx.Commit(); err != nil {
		return Enrolled{}, fmt.Errorf("committing enrollment of device %s: %w", d.ID, err)
	}
	return Enrolled{Device: d, Replaced: replaced}, nil
}

// consumeToken counts one use of the token whose hash is sum, in one
// UPDATE, so two enrollments cannot both take a token's last use. When no
// row qualifies, it reads the token to return the reason.
func consumeToken(ctx context.Context, tx *sql.Tx, sum []byte, now time.Time) (EnrollmentToken, error) {
	const query = `UPDATE enrollment_tokens SET uses = uses + 1, last_used_at = ?
		WHERE token_sha256 = ? AND revoked_at IS NULL AND uses < max_uses
		AND (expires_at IS NULL OR expires_at > ?)
		RETURNING ` + enrollmentTokenColumns
	t, err := scanEnrollmentToken(tx.QueryRowContext(ctx, query, now.UnixMicro(), sum, now.UnixMicro()))
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return EnrollmentToken{}, fmt.Errorf("consuming enrollment token: %w", err)
	}

	row := tx.QueryRowContext(ctx, `SELECT `+enrollmentTokenColumns+` FROM enrollment_tokens WHERE token_sha256 = ?`, sum)
	t, err = scanEnrollmentToken(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return EnrollmentToken{}, fmt.Errorf("enrollment token: %w", ErrNotFound)
	case err != nil:
		return EnrollmentToken{}, fmt.Errorf("reading enrollment token: %w", err)
	case t.RevokedAt != nil:
		return t, fmt.Errorf("enrollment token %s: %w", t.ID, ErrTokenRevoked)
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return t, fmt.Errorf("enrollment token %s: %w", t.ID, ErrTokenExpired)
	default:
		return t, fmt.Errorf("enrollment token %s: %w", t.ID, ErrTokenUsedUp)
	}
}

// replaceHost revokes the devices that share d's non-empty host id, so a
// machine that enrolls again keeps one valid credential.
func replaceHost(ctx context.Context, tx *sql.Tx, d Device) ([]string, error) {
	replaced := []string{}
	if d.HostID == "" {
		return replaced, nil
	}
	const query = `UPDATE devices SET revoked_at = ?
		WHERE host_id = ? AND revoked_at IS NULL AND id != ? RETURNING id`
	rows, err := tx.QueryContext(ctx, query, d.EnrolledAt.UnixMicro(), d.HostID, d.ID)
	if err != nil {
		return nil, fmt.Errorf("revoking earlier devices of host %s: %w", d.HostID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("revoking earlier devices of host %s: %w", d.HostID, err)
		}
		replaced = append(replaced, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("revoking earlier devices of host %s: %w", d.HostID, err)
	}
	return replaced, nil
}

func (s *SQLite) SetPendingCredential(ctx context.Context, id string, sum []byte) error {
	const query = `UPDATE devices SET pending_credential_sha256 = ? WHERE id = ? AND revoked_at IS NULL`
	return s.updateDevice(ctx, id, query, sum, id)
}

func (s *SQLite) PromoteCredential(ctx context.Context, id string, sum []byte) error {
	const query = `UPDATE devices SET credential_sha256 = pending_credential_sha256,
		pending_credential_sha256 = NULL WHERE id = ? AND pending_credential_sha256 = ?`
	return s.updateDevice(ctx, id, query, id, sum)
}

func (s *SQLite) CreateEnrollmentToken(ctx context.Context, t EnrollmentToken, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		const query = `INSERT INTO enrollment_tokens (id, name, token_sha256, managed, fixed_user,
			max_uses, uses, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`
		_, err := tx.ExecContext(ctx, query, t.ID, t.Name, t.SHA256, t.Managed, t.User, t.MaxUses,
			t.CreatedBy, t.CreatedAt.UnixMicro(), microsOrNil(t.ExpiresAt))
		if err != nil {
			return fmt.Errorf("inserting enrollment token %s: %w", t.ID, err)
		}
		return nil
	})
}

const enrollmentTokenColumns = `id, name, token_sha256, managed, fixed_user, max_uses, uses,
	created_by, created_at, last_used_at, expires_at, revoked_at`

func (s *SQLite) ListEnrollmentTokens(ctx context.Context) ([]EnrollmentToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+enrollmentTokenColumns+` FROM enrollment_tokens ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing enrollment tokens: %w", err)
	}
	defer rows.Close()
	tokens := []EnrollmentToken{}
	for rows.Next() {
		t, err := scanEnrollmentToken(rows)
		if err != nil {
			return nil, fmt.Errorf("reading enrollment token: %w", err)
		}
		tokens = append(tokens, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing enrollment tokens: %w", err)
	}
	return tokens, nil
}

func (s *SQLite) EnrollmentToken(ctx context.Context, id string) (EnrollmentToken, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+enrollmentTokenColumns+` FROM enrollment_tokens WHERE id = ?`, id)
	t, err := scanEnrollmentToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return EnrollmentToken{}, fmt.Errorf("enrollment token %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return EnrollmentToken{}, fmt.Errorf("reading enrollment token %s: %w", id, err)
	}
	return t, nil
}

func (s *SQLite) RevokeEnrollmentToken(ctx context.Context, id string, at time.Time, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		const query = `UPDATE enrollment_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`
		res, err := tx.ExecContext(ctx, query, at.UnixMicro(), id)
		if err != nil {
			return fmt.Errorf("revoking enrollment token %s: %w", id, err)
		}
		return expectOneRow(res, "enrollment token "+id)
	})
}

// scanEnrollmentToken reads enrollmentTokenColumns. It returns
// sql.ErrNoRows unwrapped, so callers can tell a missing row.
func scanEnrollmentToken(row scanner) (EnrollmentToken, error) {
	var (
		t                      EnrollmentToken
		created                int64
		used, expires, revoked sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.Name, &t.SHA256, &t.Managed, &t.User, &t.MaxUses, &t.Uses,
		&t.CreatedBy, &created, &used, &expires, &revoked)
	if err != nil {
		return EnrollmentToken{}, err
	}
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.LastUsedAt = timeOrNil(used)
	t.ExpiresAt = timeOrNil(expires)
	t.RevokedAt = timeOrNil(revoked)
	return t, nil
}
