package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Alert states. An alert starts open; an admin acknowledges it while
// investigating and resolves it when done.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertResolved     = "resolved"
)

// ErrAlertState is returned when an alert cannot move to the requested
// state, such as acknowledging a resolved alert.
var ErrAlertState = errors.New("alert is not in a state that allows this change")

// Alert is one anomaly finding, in the JSON form the admin API returns.
type Alert struct {
	ID       string `json:"id"`
	Detector string `json:"detector"`
	User     string `json:"user"`
	DeviceID string `json:"device_id"`
	// Action is the response the detector took: alert, block_user or
	// step_up.
	Action   string `json:"action"`
	Severity string `json:"severity"`
	Reason   string `json:"reason"`
	// Evidence lists the ids of the activities behind the finding.
	Evidence     []string   `json:"evidence"`
	State        string     `json:"state"`
	CreatedAt    time.Time  `json:"created_at"`
	WindowStart  time.Time  `json:"window_start"`
	WindowEnd    time.Time  `json:"window_end"`
	BlockedUntil *time.Time `json:"blocked_until"`
	// AcknowledgedAt and ResolvedAt are nil until an admin changes the
	// state, and the By fields name the admin's audit actor.
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	ResolvedBy     string     `json:"resolved_by,omitempty"`
}

// AlertFilter selects alerts. Empty fields match every alert.
type AlertFilter struct {
	State    string
	User     string
	Detector string
	Severity string
	Since    time.Time
	Until    time.Time
	Limit    int
}

// InsertAlert stores a new alert. An empty ID gets a random one, and an
// empty State means AlertOpen. It returns the stored alert.
func (s *SQLite) InsertAlert(ctx context.Context, a Alert) (Alert, error) {
	if a.ID == "" {
		a.ID = "alr-" + randomHex(12)
	}
	if a.State == "" {
		a.State = AlertOpen
	}
	if a.Evidence == nil {
		a.Evidence = []string{}
	}
	evidence, err := json.Marshal(a.Evidence)
	if err != nil {
		return Alert{}, fmt.Errorf("encoding evidence of alert %s: %w", a.ID, err)
	}
	const query = `INSERT INTO alerts (id, detector, user, device_id, action, severity, reason,
		evidence_json, state, created_at, window_start, window_end, blocked_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	_, err = s.db.ExecContext(ctx, query, a.ID, a.Detector, a.User, a.DeviceID, a.Action, a.Severity,
		a.Reason, string(evidence), a.State, a.CreatedAt.UnixMicro(), a.WindowStart.UnixMicro(),
		a.WindowEnd.UnixMicro(), nullMicros(a.BlockedUntil))
	if err != nil {
		return Alert{}, fmt.Errorf("inserting alert %s: %w", a.ID, err)
	}
	return a, nil
}

const alertColumns = `id, detector, user, device_id, action, severity, reason, evidence_json, state,
	created_at, window_start, window_end, blocked_until, acknowledged_at, acknowledged_by,
	resolved_at, resolved_by`

// ListAlerts returns up to f.Limit alerts that match f, newest first.
func (s *SQLite) ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	var w where
	for column, value := range map[string]string{"state": f.State, "user": f.User,
		"detector": f.Detector, "severity": f.Severity} {
		if value != "" {
			w.add(column+" = ?", value)
		}
	}
	if !f.Since.IsZero() {
		w.add("created_at >= ?", f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		w.add("created_at < ?", f.Until.UnixMicro())
	}
	query := `SELECT ` + alertColumns + ` FROM alerts` + w.String() + ` ORDER BY created_at DESC, seq DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, append(w.args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("listing alerts: %w", err)
	}
	defer rows.Close()
	alerts := []Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		alerts = append(alerts, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing alerts: %w", err)
	}
	return alerts, nil
}

// Alert returns the alert with id, or ErrNotFound.
func (s *SQLite) Alert(ctx context.Context, id string) (Alert, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE id = ?`, id)
	a, err := scanAlert(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Alert{}, ErrNotFound
	}
	return a, err
}

// SetAlertState moves the alert to AlertAcknowledged or AlertResolved at
// time at, by actor, and writes audit in the same transaction. An open
// alert may be acknowledged, and an open or acknowledged one resolved.
// Other changes return ErrAlertState, and an unknown id ErrNotFound.
func (s *SQLite) SetAlertState(ctx context.Context, id, state, actor string, at time.Time, audit AuditEntry) (Alert, error) {
	var query string
	switch state {
	case AlertAcknowledged:
		query = `UPDATE alerts SET state = ?, acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND state = 'open'`
	case AlertResolved:
		query = `UPDATE alerts SET state = ?, resolved_at = ?, resolved_by = ? WHERE id = ? AND state != 'resolved'`
	default:
		return Alert{}, fmt.Errorf("changing alert %s: unknown state %q", id, state)
	}
	err := s.withAudit(ctx, audit, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, state, at.UnixMicro(), actor, id)
		if err != nil {
			return fmt.Errorf("changing alert %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var current string
		err = tx.QueryRowContext(ctx, `SELECT state FROM alerts WHERE id = ?`, id).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("reading alert %s: %w", id, err)
		}
		return fmt.Errorf("changing alert %s from %s to %s: %w", id, current, state, ErrAlertState)
	})
	if err != nil {
		return Alert{}, err
	}
	return s.Alert(ctx, id)
}

type rowScanner interface{ Scan(dest ...any) error }

func scanAlert(row rowScanner) (Alert, error) {
	var (
		a                          Alert
		evidence                   string
		created, start, end        int64
		blocked, acknowledged, res sql.NullInt64
	)
	err := row.Scan(&a.ID, &a.Detector, &a.User, &a.DeviceID, &a.Action, &a.Severity, &a.Reason,
		&evidence, &a.State, &created, &start, &end, &blocked, &acknowledged, &a.AcknowledgedBy,
		&res, &a.ResolvedBy)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Alert{}, err
		}
		return Alert{}, fmt.Errorf("reading alert: %w", err)
	}
	if err := json.Unmarshal([]byte(evidence), &a.Evidence); err != nil {
		return Alert{}, fmt.Errorf("decoding evidence of alert %s: %w", a.ID, err)
	}
	a.CreatedAt = time.UnixMicro(created).UTC()
	a.WindowStart = time.UnixMicro(start).UTC()
	a.WindowEnd = time.UnixMicro(end).UTC()
	a.BlockedUntil = timeFromNull(blocked)
	a.AcknowledgedAt = timeFromNull(acknowledged)
	a.ResolvedAt = timeFromNull(res)
	return a, nil
}

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func timeFromNull(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.UnixMicro(n.Int64).UTC()
	return &t
}
