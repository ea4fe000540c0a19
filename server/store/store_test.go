package store

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func openTemp(t *testing.T) (*SQLite, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "parapet.db")
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func addDevice(t *testing.T, s Store, id string) Device {
	t.Helper()
	d := Device{ID: id, User: "ana@corp.test", Hostname: "ana-laptop", HostID: "host-1", Managed: true,
		CredentialSHA256: []byte{1, 2, 3}, EnrolledAt: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	if err := s.CreateDevice(context.Background(), d); err != nil {
		t.Fatalf("CreateDevice: %v", err)
	}
	return d
}

func TestMigrationsReopen(t *testing.T) {
	s, path := openTemp(t)
	addDevice(t, s, "dev-1")
	s.Close()

	again, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer again.Close()
	var versions int
	if err := again.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	migrations, _ := loadMigrations()
	if versions != len(migrations) {
		t.Errorf("got %d schema_migrations rows, want %d", versions, len(migrations))
	}
	if _, err := again.Device(context.Background(), "dev-1"); err != nil {
		t.Errorf("device lost across reopen: %v", err)
	}
}

func TestMigrationsRejectNewer(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err := OpenSQLite(context.Background(), path)
	if err == nil {
		t.Fatal("got no error, want a newer-version error")
	}
	if !strings.Contains(err.Error(), "schema version 9999 is newer") {
		t.Errorf("got %q, want it to name version 9999 as newer", err)
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTemp(t)
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("got journal_mode %q, want wal", mode)
	}
	var fk int
	if err := s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("got foreign_keys %d, want 1", fk)
	}
}

func TestDeviceRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	want := addDevice(t, s, "dev-1")

	got, err := s.Device(ctx, "dev-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.User != want.User || !got.Managed || !slices.Equal(got.CredentialSHA256, want.CredentialSHA256) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if !got.EnrolledAt.Equal(want.EnrolledAt) {
		t.Errorf("got enrolled_at %v, want %v", got.EnrolledAt, want.EnrolledAt)
	}
	if !got.LastSeenAt.IsZero() {
		t.Errorf("got last_seen_at %v, want zero", got.LastSeenAt)
	}

	seen := time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)
	if err := s.TouchDevice(ctx, "dev-1", seen, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPosture(ctx, "dev-1", json.RawMessage(`{"os":"linux"}`)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Device(ctx, "dev-1")
	if !got.LastSeenAt.Equal(seen) || got.LastIP != "127.0.0.1" {
		t.Errorf("got last seen %v from %q, want %v from 127.0.0.1", got.LastSeenAt, got.LastIP, seen)
	}
	if string(got.LastPosture) != `{"os":"linux"}` {
		t.Errorf("got posture %s", got.LastPosture)
	}
}

func TestDeviceNotFound(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.Device(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Device: got %v, want ErrNotFound", err)
	}
	if err := s.TouchDevice(context.Background(), "nope", time.Now(), "::1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("TouchDevice: got %v, want ErrNotFound", err)
	}
}

func activity(id, requestID, decidedBy string, at time.Time) Activity {
	size := int64(1234)
	return Activity{ID: id, Time: at, User: "ana@corp.test", DeviceID: "dev-1", AppID: "filestore",
		AppHost: "127.0.0.1:8080", Activity: "download", FileName: "q3.docx", FileSize: &size,
		FileMIME: "application/msword", PageURL: "http://127.0.0.1:8080/", TargetURL: "http://127.0.0.1:8080/q3.docx",
		SourceIP: "127.0.0.1", Decision: "block", PolicyIDs: []string{"p1", "p2"}, Reason: "Policy p1 decided block.",
		DecidedBy: decidedBy, RequestID: requestID}
}

func TestActivitiesNewestFirst(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addDevice(t, s, "dev-1")
	base := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i, id := range []string{"a1", "a2", "a3"} {
		if _, err := s.InsertActivity(ctx, activity(id, "r"+id, DecidedByServer, base.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	noFile := activity("a4", "ra4", DecidedByServer, base.Add(-time.Hour))
	noFile.FileName, noFile.FileSize, noFile.PolicyIDs = "", nil, nil
	if _, err := s.InsertActivity(ctx, noFile); err != nil {
		t.Fatal(err)
	}

	got, err := s.ListActivities(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	if want := []string{"a3", "a2", "a1", "a4"}; !slices.Equal(ids, want) {
		t.Fatalf("got order %v, want %v", ids, want)
	}
	first := got[0]
	if first.FileSize == nil || *first.FileSize != 1234 {
		t.Errorf("got file size %v, want 1234", first.FileSize)
	}
	if !slices.Equal(first.PolicyIDs, []string{"p1", "p2"}) {
		t.Errorf("got policy ids %v, want [p1 p2]", first.PolicyIDs)
	}
	if !first.Time.Equal(base.Add(2 * time.Second)) {
		t.Errorf("got time %v, want %v", first.Time, base.Add(2*time.Second))
	}
	last := got[3]
	if last.FileSize != nil {
		t.Errorf("got file size %v for no file, want nil", *last.FileSize)
	}
	if last.PolicyIDs == nil || len(last.PolicyIDs) != 0 {
		t.Errorf("got policy ids %#v, want an empty list", last.PolicyIDs)
	}

	limited, _ := s.ListActivities(ctx, 2)
	if len(limited) != 2 {
		t.Errorf("got %d activities with limit 2, want 2", len(limited))
	}
}

func TestActivityAgentDedup(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addDevice(t, s, "dev-1")
	addDevice(t, s, "dev-2")
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

	tests := []struct {
		name string
		a    Activity
		want bool
	}{
		{"first report", activity("a1", "ext-9", DecidedByAgent, at), true},
		{"repeated report", activity("a2", "ext-9", DecidedByAgent, at), false},
		{"other request", activity("a3", "ext-10", DecidedByAgent, at), true},
		{"server same request", activity("a4", "ext-9", DecidedByServer, at), true},
		{"server repeated request", activity("a5", "ext-9", DecidedByServer, at), true},
	}
	other := activity("a6", "ext-9", DecidedByAgent, at)
	other.DeviceID = "dev-2"
	tests = append(tests, struct {
		name string
		a    Activity
		want bool
	}{"other device", other, true})

	for _, tt := range tests {
		got, err := s.InsertActivity(ctx, tt.a)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: got inserted %v, want %v", tt.name, got, tt.want)
		}
	}
	all, _ := s.ListActivities(ctx, 100)
	if len(all) != 5 {
		t.Errorf("got %d activities, want 5", len(all))
	}
}

func TestActivityUnknownDevice(t *testing.T) {
	s, _ := openTemp(t)
	_, err := s.InsertActivity(context.Background(), activity("a1", "r1", DecidedByServer, time.Now()))
	if err == nil {
		t.Error("got no error for an unknown device, want a foreign key error")
	}
}

func TestPolicyRevision(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	steps := []struct {
		digest string
		want   int64
	}{{"aa", 1}, {"aa", 1}, {"bb", 2}, {"aa", 3}}
	for _, step := range steps {
		got, err := s.PolicyRevision(ctx, step.digest, now)
		if err != nil {
			t.Fatal(err)
		}
		if got != step.want {
			t.Errorf("digest %s: got revision %d, want %d", step.digest, got, step.want)
		}
	}
	s.Close()
	again, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, _ := again.PolicyRevision(ctx, "aa", now); got != 3 {
		t.Errorf("got revision %d after reopen, want 3", got)
	}
}
