package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

func (s *SQLite) CreateDevice(ctx context.Context, d Device) error {
	return insertDevice(ctx, s.db, d)
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertDevice(ctx context.Context, db execer, d Device) error {
	const query = `INSERT INTO devices (id, user, hostname, host_id, managed, credential_sha256, enrolled_at,
		enrollment_token_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	var tokenID any
	if d.EnrollmentTokenID != "" {
		tokenID = d.EnrollmentTokenID
	}
	_, err := db.ExecContext(ctx, query, d.ID, d.User, d.Hostname, d.HostID, d.Managed,
		d.CredentialSHA256, d.EnrolledAt.UnixMicro(), tokenID)
	if err != nil {
		return fmt.Errorf("inserting device %s: %w", d.ID, err)
	}
	return nil
}

const deviceColumns = `id, user, hostname, host_id, managed, credential_sha256, enrolled_at,
	last_seen_at, last_ip, last_posture, revoked_at, enrollment_token_id, pending_credential_sha256`

func (s *SQLite) Device(ctx context.Context, id string) (Device, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ?`, id)
	d, err := scanDevice(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Device{}, fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Device{}, fmt.Errorf("reading device %s: %w", id, err)
	}
	return d, nil
}

func (s *SQLite) ListDevices(ctx context.Context) ([]Device, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deviceColumns+` FROM devices ORDER BY enrolled_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	defer rows.Close()
	devices := []Device{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("reading device: %w", err)
		}
		devices = append(devices, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing devices: %w", err)
	}
	return devices, nil
}

func (s *SQLite) RevokeDevice(ctx context.Context, id string, at time.Time, audit AuditEntry) error {
	return s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		const query = `UPDATE devices SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`
		res, err := tx.ExecContext(ctx, query, at.UnixMicro(), id)
		if err != nil {
			return fmt.Errorf("revoking device %s: %w", id, err)
		}
		return expectOneRow(res, "device "+id)
	})
}

func scanDevice(row scanner) (Device, error) {
	var (
		d             Device
		enrolled      int64
		seen, revoked sql.NullInt64
		ip            sql.NullString
		posture       sql.NullString
		tokenID       sql.NullString
	)
	err := row.Scan(&d.ID, &d.User, &d.Hostname, &d.HostID, &d.Managed,
		&d.CredentialSHA256, &enrolled, &seen, &ip, &posture, &revoked, &tokenID, &d.PendingCredentialSHA256)
	if err != nil {
		return Device{}, err
	}
	d.EnrolledAt = time.UnixMicro(enrolled).UTC()
	if seen.Valid {
		d.LastSeenAt = time.UnixMicro(seen.Int64).UTC()
	}
	if revoked.Valid {
		d.RevokedAt = time.UnixMicro(revoked.Int64).UTC()
	}
	d.LastIP = ip.String
	d.EnrollmentTokenID = tokenID.String
	if posture.Valid {
		d.LastPosture = json.RawMessage(posture.String)
	}
	return d, nil
}

func (s *SQLite) TouchDevice(ctx context.Context, id string, at time.Time, ip string) error {
	const query = `UPDATE devices SET last_seen_at = ?, last_ip = ? WHERE id = ?`
	return s.updateDevice(ctx, id, query, at.UnixMicro(), ip, id)
}

func (s *SQLite) SetPosture(ctx context.Context, id string, posture json.RawMessage) error {
	const query = `UPDATE devices SET last_posture = ? WHERE id = ?`
	return s.updateDevice(ctx, id, query, string(posture), id)
}

func (s *SQLite) updateDevice(ctx context.Context, id, query string, args ...any) error {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("updating device %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("updating device %s: %w", id, ErrNotFound)
	}
	return nil
}
