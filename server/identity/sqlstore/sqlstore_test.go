package sqlstore_test

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/sqlstore"
	"parapet/server/identity/totp"
	"parapet/server/store"
)

func open(t *testing.T) *sqlstore.Store {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return sqlstore.New(st.DB())
}

func TestUsersUnique(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	ana := identity.User{ID: "usr_1", Email: "ana@corp.test", Groups: []string{"finance"}, OIDCIssuer: "https://idp", OIDCSubject: "sub-1", CreatedAt: time.Now()}
	if err := s.CreateUser(ctx, ana); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		user identity.User
	}{
		{"same email", identity.User{ID: "usr_2", Email: "ana@corp.test"}},
		{"same subject", identity.User{ID: "usr_3", Email: "other@corp.test", OIDCIssuer: "https://idp", OIDCSubject: "sub-1"}},
		{"same id", identity.User{ID: "usr_1", Email: "third@corp.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.CreateUser(ctx, tt.user); !errors.Is(err, identity.ErrExists) {
				t.Errorf("got %v, want ErrExists", err)
			}
		})
	}
	got, err := s.UserBySubject(ctx, "https://idp", "sub-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "ana@corp.test" || len(got.Groups) != 1 || got.Groups[0] != "finance" {
		t.Errorf("got %+v, want ana with group finance", got)
	}
	if _, err := s.UserByEmail(ctx, "nobody@corp.test"); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("unknown email: got %v, want ErrNotFound", err)
	}
	if err := s.UpdateUser(ctx, identity.User{ID: "usr_9", Email: "x@corp.test"}); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("update unknown: got %v, want ErrNotFound", err)
	}
}

func TestSessionsReplaceByScope(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if err := s.CreateUser(ctx, identity.User{ID: "usr_1", Email: "ana@corp.test"}); err != nil {
		t.Fatal(err)
	}
	sessions := &identity.Sessions{Store: s}
	first, token, err := sessions.Create(ctx, identity.NewSession{UserID: "usr_1", DeviceID: "dev-1", AppID: "crm", IP: netip.MustParseAddr("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sessions.Lookup(ctx, token); err != nil || got.ID != first.ID {
		t.Fatalf("lookup: got %v, %v; want %s", got.ID, err, first.ID)
	}
	marked, err := sessions.MarkIPChange(ctx, first.ID, netip.MustParseAddr("127.0.0.2"))
	if err != nil {
		t.Fatal(err)
	}
	reread, err := s.SessionByScope(ctx, "usr_1", "dev-1", "crm")
	if err != nil {
		t.Fatal(err)
	}
	if !reread.IPChanged || reread.CurrentIP != marked.CurrentIP || reread.FirstIP.String() != "127.0.0.1" {
		t.Errorf("got %+v, want ip_changed with current 127.0.0.2 and first 127.0.0.1", reread)
	}
	second, _, err := sessions.Create(ctx, identity.NewSession{UserID: "usr_1", DeviceID: "dev-1", AppID: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByID(ctx, first.ID); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("replaced session: got %v, want ErrNotFound", err)
	}
	all, err := s.SessionsOfUser(ctx, "usr_1")
	if err != nil || len(all) != 1 || all[0].ID != second.ID {
		t.Errorf("got sessions %v (%v), want only %s", all, err, second.ID)
	}
	n, err := s.DeleteExpiredSessions(ctx, time.Now().Add(24*time.Hour))
	if err != nil || n != 1 {
		t.Errorf("delete expired: got %d, %v; want 1", n, err)
	}
}

func TestTOTPStepReplay(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if err := s.CreateUser(ctx, identity.User{ID: "usr_1", Email: "ana@corp.test"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTOTPEnrollment(ctx, totp.Enrollment{UserID: "usr_1", Secret: "JBSWY3DPEHPK3PXP", Confirmed: true, LastStep: 10}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		step int64
		want error
	}{
		{10, totp.ErrReplayed},
		{9, totp.ErrReplayed},
		{11, nil},
		{11, totp.ErrReplayed},
	}
	for _, tt := range tests {
		if err := s.AdvanceTOTPStep(ctx, "usr_1", tt.step); !errors.Is(err, tt.want) && err != tt.want {
			t.Errorf("step %d: got %v, want %v", tt.step, err, tt.want)
		}
	}
	if err := s.AdvanceTOTPStep(ctx, "usr_2", 5); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("unknown user: got %v, want ErrNotFound", err)
	}
}
