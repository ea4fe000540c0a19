package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

func (s *SQLite) ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error) {
	var w where
	if f.Actor != "" {
		w.add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if f.Target != "" {
		w.add("target = ?", f.Target)
	}
	if err := w.page(micros(f.Since), micros(f.Until), f.Cursor); err != nil {
		return AuditPage{}, err
	}
	query := `SELECT seq, id, time, actor, actor_role, action, target, details FROM audit_log` +
		w.String() + ` ORDER BY time DESC, seq DESC LIMIT ?`
	rows, err := s.db.QueryContext(ctx, query, append(w.args, f.Limit+1)...)
	if err != nil {
		return AuditPage{}, fmt.Errorf("listing audit log: %w", err)
	}
	defer rows.Close()

	page := AuditPage{Entries: []AuditEntry{}}
	var last position
	for rows.Next() {
		var (
			e       AuditEntry
			seq, at int64
			details string
		)
		if err := rows.Scan(&seq, &e.ID, &at, &e.Actor, &e.ActorRole, &e.Action, &e.Target, &details); err != nil {
			return AuditPage{}, fmt.Errorf("reading audit entry: %w", err)
		}
		if len(page.Entries) == f.Limit {
			page.NextCursor = encodeCursor(last)
			break
		}
		e.Time = time.UnixMicro(at).UTC()
		e.Details = json.RawMessage(details)
		page.Entries = append(page.Entries, e)
		last = position{time: at, seq: seq}
	}
	if err := rows.Err(); err != nil {
		return AuditPage{}, fmt.Errorf("listing audit log: %w", err)
	}
	return page, nil
}
