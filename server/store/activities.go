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
	const query = `INSERT INTO activities (id, time, user, device_id, app_id, app_host, activity,
		file_name, file_size, file_mime, page_url, target_url, source_ip, decision, policy_ids,
		reason, decided_by, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_id, request_id) WHERE decided_by = 'agent' DO NOTHING`
	res, err := s.db.ExecContext(ctx, query, a.ID, a.Time.UnixMicro(), a.User, a.DeviceID, a.AppID,
		a.AppHost, a.Activity, a.FileName, size, a.FileMIME, a.PageURL, a.TargetURL, a.SourceIP,
		a.Decision, string(ids), a.Reason, a.DecidedBy, a.RequestID)
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
		decided_by, request_id
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
		a    Activity
		at   int64
		size sql.NullInt64
		ids  string
	)
	dest := []any{&a.ID, &at, &a.User, &a.DeviceID, &a.AppID, &a.AppHost, &a.Activity, &a.FileName,
		&size, &a.FileMIME, &a.PageURL, &a.TargetURL, &a.SourceIP, &a.Decision, &ids, &a.Reason,
		&a.DecidedBy, &a.RequestID}
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
	return a, nil
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
