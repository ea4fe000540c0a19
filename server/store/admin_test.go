package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestAccountEmailConflict(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	a := Account{ID: "acc-1", Email: "Ana@corp.test", Role: RoleAdmin, PasswordHash: "h", CreatedAt: time.Now()}
	if err := s.CreateAccount(ctx, a, AuditEntry{Actor: "test", Action: "account.create"}); err != nil {
		t.Fatal(err)
	}
	a.ID = "acc-2"
	a.Email = "ana@corp.test"
	if err := s.CreateAccount(ctx, a, AuditEntry{Actor: "test", Action: "account.create"}); !errors.Is(err, ErrConflict) {
		t.Errorf("got %v, want ErrConflict", err)
	}
	page, err := s.ListAudit(ctx, AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 {
		t.Errorf("got %d audit entries, want 1 because the failed insert rolls back its entry", len(page.Entries))
	}
}

func TestApplyPolicyRevisions(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	steps := []struct {
		digest   string
		revision int64
		changed  bool
	}{{"aa", 1, true}, {"aa", 1, false}, {"bb", 2, true}}
	for _, step := range steps {
		rev, changed, err := s.ApplyPolicy(ctx, PolicyBundle{Digest: step.digest, Source: step.digest, AppliedBy: "t", AppliedAt: now},
			AuditEntry{Actor: "t", Action: "policy.apply"})
		if err != nil {
			t.Fatal(err)
		}
		if rev != step.revision || changed != step.changed {
			t.Errorf("digest %s: got revision %d changed %v, want %d %v", step.digest, rev, changed, step.revision, step.changed)
		}
	}
	latest, err := s.LatestPolicyBundle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest.Revision != 2 || latest.Source != "bb" {
		t.Errorf("got latest %+v, want revision 2 with source bb", latest)
	}
	page, _ := s.ListAudit(ctx, AuditFilter{Action: "policy.apply", Limit: 10})
	if len(page.Entries) != 2 || page.Entries[0].Target != "revision:2" {
		t.Errorf("got audit %+v, want two entries, newest for revision:2", page.Entries)
	}
}

func TestQueryActivitiesCursor(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	addDevice(t, s, "dev-1")
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, id := range []string{"a1", "a2", "a3"} {
		if _, err := s.InsertActivity(ctx, activity(id, "r"+id, DecidedByServer, at)); err != nil {
			t.Fatal(err)
		}
	}
	first, err := s.QueryActivities(ctx, ActivityFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Activities) != 2 || first.NextCursor == "" {
		t.Fatalf("got %d activities, cursor %q; want 2 and a cursor", len(first.Activities), first.NextCursor)
	}
	second, err := s.QueryActivities(ctx, ActivityFilter{Limit: 2, Cursor: first.NextCursor})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Activities) != 1 || second.Activities[0].ID != "a1" || second.NextCursor != "" {
		t.Errorf("got second page %+v, want only a1 and no cursor", second)
	}
	if _, err := s.QueryActivities(ctx, ActivityFilter{Limit: 2, Cursor: "garbage!"}); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("got %v for a bad cursor, want ErrInvalidCursor", err)
	}
}
