package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

func (s *SQLite) InsertActivity(ctx context.Context, a Activity) (bool, error) {
	policyIDs := a.PolicyIDs
	if policyIDs == nil {
		policyIDs = []string{}
	}
	ids, err := json.Marshal(policyIDs)
	if err != nil {
		return false, fmt.Errorf("encoding policy ids of activity %s: %w", a.ID, err)
	}
	var size sql.NullInt64
	if a.FileSize != nil {
		size = sql.NullInt64{Int64: *a.FileSize, Valid: true}
	}
	codes, err := jsonList(a.Codes)
	if err != nil {
		return false, fmt.Errorf("encoding codes of activity %s: %w", a.ID, err)
	}
	detectors, err := jsonList(a.FileDetectors)
	if err != nil {
		return false, fmt.Errorf("encoding detectors of activity %s: %w", a.ID, err)
	}
	const query = `INSERT INTO activities (id, time, user, device_id, app_id, app_host, activity,
		file_name, file_size, file_mime, page_url, target_url, source_ip, decision, policy_ids,
		reason, decided_by, request_id, codes, explain, file_label, file_detectors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_id, request_id) WHERE decided_by = 'agent' DO NOTHING`
	res, err := s.db.ExecContext(ctx, query, a.ID, a.Time.UnixMicro(), a.User, a.DeviceID, a.AppID,
		a.AppHost, a.Activity, a.FileName, size, a.FileMIME, a.PageURL, a.TargetURL, a.SourceIP,
		a.Decision, string(ids), a.Reason, a.DecidedBy, a.RequestID, codes, string(a.Explain),
		a.FileLabel, detectors)
	if err != nil {
		return false, fmt.Errorf("inserting activity %s: %w", a.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("inserting activity %s: %w", a.ID, err)
	}
	return n == 1, nil
}

func (s *SQLite) ListActivities(ctx context.Context, limit int) ([]Activity, error) {
	const query = `SELECT id, time, user, device_id, app_id, app_host, activity, file_name,
		file_size, file_mime, page_url, target_url, source_ip, decision, policy_ids, reason,
		decided_by, request_id, ` + detailColumns + `
		FROM activities ORDER BY time DESC, seq DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, limit)
	if err != nil {
		return nil, fmt.Errorf("listing activities: %w", err)
	}
	defer rows.Close()

	activities := []Activity{}
	for rows.Next() {
		a, err := scanActivity(rows, nil)
		if err != nil {
			return nil, err
		}
		activities = append(activities, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing activities: %w", err)
	}
	return activities, nil
}

// scanActivity reads a row of the activity columns, preceded by seq when
// seq is not nil.
func scanActivity(rows *sql.Rows, seq *int64) (Activity, error) {
	var (
		a                Activity
		at               int64
		size             sql.NullInt64
		ids              string
		codes, detectors string
		explain          string
		stored           StoredFile
	)
	dest := []any{&a.ID, &at, &a.User, &a.DeviceID, &a.AppID, &a.AppHost, &a.Activity, &a.FileName,
		&size, &a.FileMIME, &a.PageURL, &a.TargetURL, &a.SourceIP, &a.Decision, &ids, &a.Reason,
		&a.DecidedBy, &a.RequestID, &codes, &explain, &a.FileLabel, &detectors,
		&stored.Label, &stored.Encryption, &stored.SHA256, &stored.FileName}
	if seq != nil {
		dest = append([]any{seq}, dest...)
	}
	err := rows.Scan(dest...)
	if err != nil {
		return Activity{}, fmt.Errorf("reading activity: %w", err)
	}
	a.Time = time.UnixMicro(at).UTC()
	if size.Valid {
		a.FileSize = &size.Int64
	}
	if err := json.Unmarshal([]byte(ids), &a.PolicyIDs); err != nil {
		return Activity{}, fmt.Errorf("decoding policy ids of activity %s: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(codes), &a.Codes); err != nil {
		return Activity{}, fmt.Errorf("decoding codes of activity %s: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(detectors), &a.FileDetectors); err != nil {
		return Activity{}, fmt.Errorf("decoding detectors of activity %s: %w", a.ID, err)
	}
	if explain != "" {
		a.Explain = json.RawMessage(explain)
	}
	if stored.SHA256 != "" {
		a.Stored = &stored
	}
	return a, nil
}

// detailColumns are the columns that scanActivity reads after request_id.
const detailColumns = `codes, explain, file_label, file_detectors,
	stored_label, stored_encryption, stored_sha256, stored_file_name`

// jsonList encodes a string list as a JSON array, never as null.
func jsonList(list []string) (string, error) {
	if list == nil {
		list = []string{}
	}
	data, err := json.Marshal(list)
	return string(data), err
}

func (s *SQLite) UpdateStoredFile(ctx context.Context, deviceID, eventID string, f StoredFile) error {
	res, err := s.db.ExecContext(ctx, `UPDATE activities SET stored_label = ?, stored_encryption = ?,
		stored_sha256 = ?, stored_file_name = ? WHERE id = ? AND device_id = ?`,
		f.Label, f.Encryption, f.SHA256, f.FileName, eventID, deviceID)
	if err != nil {
		return fmt.Errorf("updating stored file of activity %s: %w", eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("updating stored file of activity %s: %w", eventID, err)
	}
	if n == 0 {
		return fmt.Errorf("activity %s of device %s: %w", eventID, deviceID, ErrNotFound)
	}
	return nil
}

func (s *SQLite) PolicyRevision(ctx context.Context, digest string, at time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("starting policy revision lookup: %w", err)
	}
	defer tx.Rollback()

	var (
		revision int64
		latest   string
	)
	err = tx.QueryRowContext(ctx, `SELECT revision, digest FROM policy_revisions ORDER BY revision DESC LIMIT 1`).
		Scan(&revision, &latest)
	if err == nil && latest == digest {
		return revision, nil
	}
	if err != nil && err != sql.ErrNoRows {
		return 0, fmt.Errorf("reading policy revision: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO policy_revisions (digest, loaded_at) VALUES (?, ?)`, digest, at.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("inserting policy revision: %w", err)
	}
	if revision, err = res.LastInsertId(); err != nil {
		return 0, fmt.Errorf("inserting policy revision: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("committing policy revision: %w", err)
	}
	return revision, nil
}
