package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/server/store"
)

var baseTime = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

func (s *testServer) addDevice(t *testing.T, id, user string) {
	t.Helper()
	d := store.Device{ID: id, User: user, Hostname: "h", Managed: true, CredentialSHA256: make([]byte, 32), EnrolledAt: baseTime}
	if err := s.store.CreateDevice(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

func (s *testServer) addActivity(t *testing.T, a store.Activity) {
	t.Helper()
	if a.DecidedBy == "" {
		a.DecidedBy = store.DecidedByServer
	}
	if a.RequestID == "" {
		a.RequestID = "r-" + a.ID
	}
	if _, err := s.store.InsertActivity(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}

// seedActivities stores five activities of two users and devices.
func seedActivities(t *testing.T, s *testServer) {
	s.addDevice(t, "dev-a", "ana@corp.test")
	s.addDevice(t, "dev-b", "bob@corp.test")
	rows := []store.Activity{
		{ID: "a1", User: "ana@corp.test", DeviceID: "dev-a", AppID: "filestore", Activity: "download", Decision: "block", PolicyIDs: []string{"block-docx", "monitor"}},
		{ID: "a2", User: "ana@corp.test", DeviceID: "dev-a", AppID: "filestore", Activity: "upload", Decision: "monitor", PolicyIDs: []string{"monitor"}},
		{ID: "a3", User: "bob@corp.test", DeviceID: "dev-b", AppID: "wiki", Activity: "copy", Decision: "allow"},
		{ID: "a4", User: "bob@corp.test", DeviceID: "dev-b", AppID: "filestore", Activity: "download", Decision: "block", PolicyIDs: []string{"block-docx"}},
		{ID: "a5", User: "ana@corp.test", DeviceID: "dev-a", Activity: "navigate", Decision: "allow"},
	}
	for i, a := range rows {
		a.Time = baseTime.Add(time.Duration(i) * time.Minute)
		s.addActivity(t, a)
	}
}

func (s *testServer) activityIDs(t *testing.T, query string) ([]string, string) {
	t.Helper()
	var out activitiesResponse
	if status := s.doJSON(t, "GET", "/api/v1/activities"+query, adminToken, "", &out); status != http.StatusOK {
		t.Fatalf("%s: got status %d, want 200", query, status)
	}
	ids := []string{}
	for _, a := range out.Activities {
		ids = append(ids, a.ID)
	}
	return ids, out.NextCursor
}

func TestActivityFilters(t *testing.T) {
	s := startServer(t)
	seedActivities(t, s)
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"a5", "a4", "a3", "a2", "a1"}},
		{"?user=ana@corp.test", []string{"a5", "a2", "a1"}},
		{"?device=dev-b", []string{"a4", "a3"}},
		{"?app=filestore", []string{"a4", "a2", "a1"}},
		{"?activity=download", []string{"a4", "a1"}},
		{"?decision=block&user=bob@corp.test", []string{"a4"}},
		{"?decision=allow,monitor", []string{"a5", "a3", "a2"}},
		{"?decision=allow&decision=monitor", []string{"a5", "a3", "a2"}},
		{"?policy=monitor", []string{"a2", "a1"}},
		{"?policy=block-docx", []string{"a4", "a1"}},
		{"?policy=block", []string{}},
		{"?since=2026-12-03T10:01:00Z", []string{"a5", "a4", "a3", "a2"}},
		{"?until=2026-12-03T10:01:00Z", []string{"a1"}},
		{"?since=2026-12-03T10:01:00Z&until=2026-12-03T10:03:00Z", []string{"a3", "a2"}},
	}
	for _, tt := range tests {
		got, _ := s.activityIDs(t, tt.query)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.query, got, tt.want)
		}
	}
}

func TestActivityFilterErrors(t *testing.T) {
	s := startServer(t)
	tests := []struct{ query, field string }{
		{"?since=yesterday", "since"},
		{"?until=2026-12-03", "until"},
		{"?since=2026-12-03T11:00:00Z&until=2026-12-03T10:00:00Z", "until"},
		{"?cursor=bm9wZQ", "cursor"},
		{"?limit=0", "limit"},
		{"?format=xml", "format"},
		{"?usr=ana", "usr"},
	}
	for _, tt := range tests {
		var out errorBody
		if status := s.doJSON(t, "GET", "/api/v1/activities"+tt.query, adminToken, "", &out); status != http.StatusBadRequest {
			t.Errorf("%q: got status %d, want 400", tt.query, status)
		}
		if out.Field != tt.field {
			t.Errorf("%q: got field %q, want %q", tt.query, out.Field, tt.field)
		}
	}
}

func TestActivityPagination(t *testing.T) {
	s := startServer(t)
	s.addDevice(t, "dev-a", "ana@corp.test")
	// Seven activities share one timestamp, so only seq orders them.
	var want []string
	for _, id := range []string{"p1", "p2", "p3", "p4", "p5", "p6", "p7"} {
		s.addActivity(t, store.Activity{ID: id, Time: baseTime, User: "ana@corp.test", DeviceID: "dev-a", Activity: "copy", Decision: "allow"})
		want = append([]string{id}, want...)
	}
	var got []string
	cursor := ""
	for page := 0; page < 5; page++ {
		query := "?limit=3"
		if cursor != "" {
			query += "&cursor=" + url.QueryEscape(cursor)
		}
		ids, next := s.activityIDs(t, query)
		got = append(got, ids...)
		if page == 0 {
			// A newer activity logged between pages must not shift them.
			s.addActivity(t, store.Activity{ID: "late", Time: baseTime, User: "ana@corp.test", DeviceID: "dev-a", Activity: "copy", Decision: "allow"})
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if !slices.Equal(got, want) {
		t.Errorf("got pages %v, want %v", got, want)
	}
}

func TestActivitiesCSV(t *testing.T) {
	s := startServer(t)
	s.addDevice(t, "dev-a", "ana@corp.test")
	size := int64(-1)
	s.addActivity(t, store.Activity{ID: "c1", Time: baseTime, User: "ana@corp.test", DeviceID: "dev-a", Activity: "download",
		FileName: `=HYPERLINK("http://evil.test","x")`, FileSize: &size, TargetURL: "@SUM(1)", Reason: "+1", Decision: "block",
		PolicyIDs: []string{"p1", "p2"}})
	for _, tt := range []struct {
		name, query string
		header      []string
	}{
		{"format", "?format=csv", nil},
		{"accept", "", []string{"Accept", "text/csv"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, header, body := s.do(t, "GET", "/api/v1/activities"+tt.query, adminToken, "", tt.header...)
			if status != http.StatusOK {
				t.Fatalf("got status %d, want 200", status)
			}
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("got Content-Type %q, want text/csv", ct)
			}
			records, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
			if err != nil {
				t.Fatalf("parsing CSV: %v", err)
			}
			if len(records) != 2 {
				t.Fatalf("got %d records, want header and one row", len(records))
			}
			if !slices.Equal(records[0], csvColumns) {
				t.Errorf("got header %v, want %v", records[0], csvColumns)
			}
			row := map[string]string{}
			for i, name := range records[0] {
				row[name] = records[1][i]
			}
			checks := map[string]string{"file_name": `'=HYPERLINK("http://evil.test","x")`, "target_url": "'@SUM(1)",
				"reason": "'+1", "file_size": "-1", "policy_ids": "p1 p2", "user": "ana@corp.test"}
			for field, want := range checks {
				if row[field] != want {
					t.Errorf("%s: got %q, want %q", field, row[field], want)
				}
			}
		})
	}
}

func TestEscapeFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"q3.docx", "q3.docx"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@cmd", "'@cmd"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := escapeFormula(tt.in); got != tt.want {
			t.Errorf("escapeFormula(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
