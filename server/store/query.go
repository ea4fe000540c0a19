package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidCursor is returned for a cursor that no page of this store
// returned.
var ErrInvalidCursor = errors.New("invalid cursor")

// position is the sort key of a row in the activity and audit logs. Rows
// are ordered by time and then by seq, which is unique, so a cursor stays
// stable when many rows share a timestamp.
type position struct {
	time, seq int64
}

func encodeCursor(p position) string {
	raw := "v1:" + strconv.FormatInt(p.time, 10) + ":" + strconv.FormatInt(p.seq, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(cursor string) (position, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return position{}, ErrInvalidCursor
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != "v1" {
		return position{}, ErrInvalidCursor
	}
	t, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return position{}, ErrInvalidCursor
	}
	return position{time: t, seq: seq}, nil
}

// where collects the conditions and arguments of a WHERE clause.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "column IN (...)" for a non-empty list.
func (w *where) in(column string, values []string) {
	if len(values) == 0 {
		return
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	w.add(column+" IN ("+marks+")", args...)
}

// page adds the time range and the cursor's position.
func (w *where) page(since, until int64, cursor string) error {
	if since != 0 {
		w.add("time >= ?", since)
	}
	if until != 0 {
		w.add("time < ?", until)
	}
	if cursor == "" {
		return nil
	}
	p, err := decodeCursor(cursor)
	if err != nil {
		return err
	}
	w.add("(time < ? OR (time = ? AND seq < ?))", p.time, p.time, p.seq)
	return nil
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// micros returns t in Unix microseconds, or 0 for the zero time.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func (s *SQLite) QueryActivities(ctx context.Context, f ActivityFilter) (ActivityPage, error) {
	var w where
	w.in("user", f.Users)
	w.in("device_id", f.Devices)
	w.in("app_id", f.Apps)
	w.in("activity", f.Activities)
	w.in("decision", f.Decisions)
	if len(f.Policies) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Policies)), ", ")
		args := make([]any, len(f.Policies))
		for i, v := range f.Policies {
			args[i] = v
		}
		// NOTE: no index serves this filter, so it scans the rows that the
		// other conditions leave.
		w.add("EXISTS (SELECT 1 FROM json_each(activities.policy_ids) WHERE value IN ("+marks+"))", args...)
	}
	if err := w.page(micros(f.Since), micros(f.Until), f.Cursor); err != nil {
		return ActivityPage{}, err
	}
	query := `SELECT seq, id, time, user, device_id, app_id, app_host, activity, file_name,
		file_size, file_mime, page_url, target_url, source_ip, decision, policy_ids, reason,
		decided_by, request_id, ` + detailColumns + ` FROM activities` + w.String() + ` ORDER BY time DESC, seq DESC LIMIT ?`
	// One row more than the limit tells whether another page follows.
	rows, err := s.db.QueryContext(ctx, query, append(w.args, f.Limit+1)...)
	if err != nil {
		return ActivityPage{}, fmt.Errorf("querying activities: %w", err)
	}
	defer rows.Close()

	page := ActivityPage{Activities: []Activity{}}
	var last position
	for rows.Next() {
		var seq int64
		a, err := scanActivity(rows, &seq)
		if err != nil {
			return ActivityPage{}, err
		}
		if len(page.Activities) == f.Limit {
			page.NextCursor = encodeCursor(last)
			break
		}
		page.Activities = append(page.Activities, a)
		last = position{time: a.Time.UnixMicro(), seq: seq}
	}
	if err := rows.Err(); err != nil {
		return ActivityPage{}, fmt.Errorf("querying activities: %w", err)
	}
	return page, nil
}
