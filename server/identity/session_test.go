package identity_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/memory"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newSessions() (*identity.Sessions, *clock) {
	c := &clock{now: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	return &identity.Sessions{Store: &memory.Store{}, TTL: time.Hour, Now: c.Now}, c
}

var (
	homeIP  = netip.MustParseAddr("192.0.2.10")
	otherIP = netip.MustParseAddr("198.51.100.7")
)

func TestSessionLookupAndExpiry(t *testing.T) {
	m, c := newSessions()
	ctx := context.Background()
	s, token, err := m.Create(ctx, identity.NewSession{UserID: "usr_1", DeviceID: "dev_1", AppID: "crm", IP: homeIP})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.TokenHash) == token {
		t.Error("the stored hash equals the token")
	}
	got, err := m.Lookup(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != s.ID || got.UserID != "usr_1" || got.FirstIP != homeIP {
		t.Errorf("got %+v, want session %s of usr_1 from %s", got, s.ID, homeIP)
	}
	if _, err := m.Lookup(ctx, token+"x"); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("unknown token: got %v, want ErrNotFound", err)
	}
	c.now = c.now.Add(time.Hour)
	if _, err := m.Lookup(ctx, token); !errors.Is(err, identity.ErrExpired) {
		t.Errorf("after the TTL: got %v, want ErrExpired", err)
	}
	n, err := m.DeleteExpired(ctx)
	if err != nil || n != 1 {
		t.Errorf("DeleteExpired: got %d, %v, want 1, nil", n, err)
	}
}

func TestSessionOnePerUserDeviceApp(t *testing.T) {
	m, _ := newSessions()
	ctx := context.Background()
	_, first, err := m.Create(ctx, identity.NewSession{UserID: "usr_1", DeviceID: "dev_1", AppID: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	_, otherApp, err := m.Create(ctx, identity.NewSession{UserID: "usr_1", DeviceID: "dev_1", AppID: "wiki"})
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := m.Create(ctx, identity.NewSession{UserID: "usr_1", DeviceID: "dev_1", AppID: "crm"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Lookup(ctx, first); !errors.Is(err, identity.ErrNotFound) {
		t.Errorf("replaced session: got %v, want ErrNotFound", err)
	}
	if _, err := m.Lookup(ctx, second); err != nil {
		t.Errorf("new session: got %v, want nil", err)
	}
	if _, err := m.Lookup(ctx, otherApp); err != nil {
		t.Errorf("session of another app: got %v, want nil", err)
	}
}

func TestMarkIPChange(t *testing.T) {
	m, c := newSessions()
	ctx := context.Background()
	s, _, err := m.Create(ctx, identity.NewSession{UserID: "usr_1", IP: homeIP})
	if err != nil {
		t.Fatal(err)
	}
	same, err := m.MarkIPChange(ctx, s.ID, netip.MustParseAddr("::ffff:192.0.2.10"))
	if err != nil {
		t.Fatal(err)
	}
	if same.IPChanged {
		t.Error("same address in IPv4-mapped form: got ip_changed, want none")
	}
	changed, err := m.MarkIPChange(ctx, s.ID, otherIP)
	if err != nil {
		t.Fatal(err)
	}
	if !changed.IPChanged || !slices.Equal(changed.Risks(), []string{identity.RiskIPChanged}) {
		t.Errorf("other address: got risks %v, want [ip_changed]", changed.Risks())
	}
	if changed.FirstIP != homeIP || changed.CurrentIP != otherIP {
		t.Errorf("got first %s current %s, want %s and %s", changed.FirstIP, changed.CurrentIP, homeIP, otherIP)
	}
	c.now = c.now.Add(time.Minute)
	passed, err := m.MarkAuthenticated(ctx, s.ID, c.now)
	if err != nil {
		t.Fatal(err)
	}
	if passed.IPChanged || !passed.AuthenticatedAt.Equal(c.now) {
		t.Errorf("after step-up: got ip_changed %v at %v, want false at %v", passed.IPChanged, passed.AuthenticatedAt, c.now)
	}
}

func TestFromRequest(t *testing.T) {
	m, _ := newSessions()
	_, token, err := m.Create(context.Background(), identity.NewSession{UserID: "usr_1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
		ok     bool
	}{
		{"bearer token", "Bearer " + token, true},
		{"lowercase scheme", "bearer " + token, true},
		{"missing header", "", false},
		{"basic scheme", "Basic " + token, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			_, err := m.FromRequest(r)
			if (err == nil) != tt.ok {
				t.Errorf("got %v, want ok %v", err, tt.ok)
			}
		})
	}
}
