package access

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"parapet/server/store"
)

func openStore(t *testing.T) *store.SQLite {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestCheckAdminBlock(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Minute), now.Add(time.Hour)
	tests := []struct {
		name    string
		until   *time.Time
		blocked bool
	}{
		{"no end", nil, true},
		{"ends later", &future, true},
		{"ended", &past, false},
	}
	s := &Service{Store: st, Now: func() time.Time { return now }}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := store.UserBlock{User: "ana@corp.test", Reason: "stolen laptop", CreatedBy: "test", CreatedAt: now, Until: tt.until}
			if err := st.BlockUser(ctx, b, store.AuditEntry{Actor: "test", Action: "user.block"}); err != nil {
				t.Fatal(err)
			}
			block, blocked, err := s.Check(ctx, "Ana@Corp.Test")
			if err != nil {
				t.Fatal(err)
			}
			if blocked != tt.blocked {
				t.Fatalf("got blocked %v, want %v", blocked, tt.blocked)
			}
			if blocked && block.Message() == "" {
				t.Error("got an empty block message")
			}
		})
	}
}

func TestBlockMessage(t *testing.T) {
	until := time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC)
	tests := []struct {
		block Block
		want  string
	}{
		{Block{Source: SourceAdmin, Reason: "stolen laptop."}, "An administrator blocked your access: stolen laptop."},
		{Block{Source: SourceAdmin, Until: &until}, "An administrator blocked your access until 2026-12-03 10:15 UTC: no reason given."},
		{Block{Source: SourceAnomaly, Reason: "21 downloads in 1m.", Until: &until},
			"Parapet blocked your access until 2026-12-03 10:15 UTC because it detected unusual activity: 21 downloads in 1m. Contact IT if this is a mistake."},
	}
	for _, tt := range tests {
		if got := tt.block.Message(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestWebhookRetries(t *testing.T) {
	var calls atomic.Int32
	received := make(chan store.Alert, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var a store.Alert
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
			t.Errorf("decoding alert: %v", err)
		}
		received <- a
	}))
	defer srv.Close()
	w := NewWebhook(srv.URL, srv.Client(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.backoff = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	w.Send(store.Alert{ID: "alr-1", Detector: "mass_download", User: "ana@corp.test"})
	select {
	case a := <-received:
		if a.ID != "alr-1" || a.Detector != "mass_download" {
			t.Errorf("got %+v, want alert alr-1", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("alert not delivered")
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("got %d attempts, want 3", n)
	}
}

func TestAlertStateChanges(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a, err := st.InsertAlert(ctx, store.Alert{Detector: "mass_download", User: "ana@corp.test", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	audit := store.AuditEntry{Actor: "test", Action: "alert.change"}
	steps := []struct {
		state string
		ok    bool
	}{
		{store.AlertAcknowledged, true},
		{store.AlertAcknowledged, false},
		{store.AlertResolved, true},
		{store.AlertResolved, false},
	}
	for i, step := range steps {
		_, err := st.SetAlertState(ctx, a.ID, step.state, "test", time.Now(), audit)
		if (err == nil) != step.ok {
			t.Errorf("step %d to %s: got error %v, want ok %v", i, step.state, err, step.ok)
		}
	}
	open, err := st.ListAlerts(ctx, store.AlertFilter{State: store.AlertOpen, Limit: 10})
	if err != nil || len(open) != 0 {
		t.Errorf("open alerts: got %d (%v), want 0", len(open), err)
	}
	resolved, err := st.ListAlerts(ctx, store.AlertFilter{State: store.AlertResolved, Limit: 10})
	if err != nil || len(resolved) != 1 || resolved[0].ResolvedBy != "test" {
		t.Errorf("resolved alerts: got %+v (%v), want one resolved by test", resolved, err)
	}
}
