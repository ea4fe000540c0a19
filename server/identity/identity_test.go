package identity_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"parapet/server/auth"
	"parapet/server/identity"
	"parapet/server/identity/memory"
)

var cheap = auth.Params{Memory: 1024, Time: 1, Threads: 1}

const password = "correct horse battery"

func newDirectory(t *testing.T) *identity.Directory {
	t.Helper()
	return &identity.Directory{Store: &memory.Store{}, PasswordParams: cheap,
		Org: identity.Organization{Domains: []string{"example.org"}}}
}

func TestCreateLocalUserHashesPassword(t *testing.T) {
	d := newDirectory(t)
	u, err := d.CreateLocalUser(context.Background(), identity.NewLocalUser{Email: " Ana@Example.org ", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ana@example.org" {
		t.Errorf("got email %q, want it trimmed and lowercased", u.Email)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Errorf("got hash %q, want an argon2id PHC string", u.PasswordHash)
	}
	if strings.Contains(u.PasswordHash, password) {
		t.Error("the hash contains the password")
	}
	_, err = d.CreateLocalUser(context.Background(), identity.NewLocalUser{Email: "ana@example.org", Password: password})
	if !errors.Is(err, identity.ErrExists) {
		t.Errorf("duplicate email: got %v, want ErrExists", err)
	}
	_, err = d.CreateLocalUser(context.Background(), identity.NewLocalUser{Email: "bo@example.org", Password: "short"})
	if err == nil {
		t.Error("short password: got nil, want an error")
	}
}

func TestAuthenticateLocal(t *testing.T) {
	d := newDirectory(t)
	ctx := context.Background()
	ana, err := d.CreateLocalUser(ctx, identity.NewLocalUser{Email: "ana@example.org", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.UpsertOIDCUser(ctx, identity.OIDCIdentity{Issuer: "https://idp", Subject: "s1", Email: "oidc@example.org"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		email    string
		password string
		want     error
	}{
		{"right password", "ANA@example.org", password, nil},
		{"wrong password", "ana@example.org", password + "!", identity.ErrInvalidCredentials},
		{"unknown email", "nobody@example.org", password, identity.ErrInvalidCredentials},
		{"OIDC-only user", "oidc@example.org", "", identity.ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := d.Authenticate(ctx, tt.email, tt.password, "192.0.2.1")
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == nil && u.ID != ana.ID {
				t.Errorf("got user %q, want %q", u.ID, ana.ID)
			}
		})
	}
}

func TestAuthenticateRateLimited(t *testing.T) {
	d := newDirectory(t)
	d.Failures = auth.NewLimiter(2, time.Minute)
	ctx := context.Background()
	if _, err := d.CreateLocalUser(ctx, identity.NewLocalUser{Email: "ana@example.org", Password: password}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		d.Authenticate(ctx, "ana@example.org", "wrong password!", "192.0.2.1")
	}
	if _, err := d.Authenticate(ctx, "ana@example.org", password, "192.0.2.9"); !errors.Is(err, identity.ErrRateLimited) {
		t.Errorf("after 2 failures: got %v, want ErrRateLimited", err)
	}
}

func TestDisabledUserCannotSignIn(t *testing.T) {
	d := newDirectory(t)
	ctx := context.Background()
	u, err := d.CreateLocalUser(ctx, identity.NewLocalUser{Email: "ana@example.org", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	u.Disabled = true
	if err := d.Store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate(ctx, "ana@example.org", password, "192.0.2.1"); !errors.Is(err, identity.ErrDisabled) {
		t.Errorf("got %v, want ErrDisabled", err)
	}
}

func TestIsGuest(t *testing.T) {
	org := identity.Organization{Domains: []string{"example.org", "Example.COM"}, GuestGroups: []string{"contractors"}}
	tests := []struct {
		name string
		user identity.User
		want bool
	}{
		{"organization domain", identity.User{Email: "ana@example.org"}, false},
		{"second domain, other case", identity.User{Email: "bo@example.com"}, false},
		{"outside domain", identity.User{Email: "eve@gmail.com"}, true},
		{"subdomain is outside", identity.User{Email: "cy@eu.example.org"}, true},
		{"lookalike domain", identity.User{Email: "dan@notexample.org"}, true},
		{"guest group", identity.User{Email: "fay@example.org", Groups: []string{"staff", "contractors"}}, true},
		{"group name case differs", identity.User{Email: "gus@example.org", Groups: []string{"Contractors"}}, false},
		{"guest flag", identity.User{Email: "hal@example.org", Guest: true}, true},
		{"no domain", identity.User{Email: "root"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := org.IsGuest(tt.user); got != tt.want {
				t.Errorf("IsGuest(%q, %v) = %v, want %v", tt.user.Email, tt.user.Groups, got, tt.want)
			}
		})
	}
	if !(identity.Organization{}).IsGuest(identity.User{Email: "ana@example.org"}) {
		t.Error("no domains configured: got member, want guest")
	}
}

func TestUpsertOIDCUser(t *testing.T) {
	d := newDirectory(t)
	ctx := context.Background()
	local, err := d.CreateLocalUser(ctx, identity.NewLocalUser{Email: "ana@example.org", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	unverified, err := d.UpsertOIDCUser(ctx, identity.OIDCIdentity{Issuer: "https://idp", Subject: "s-eve", Email: "ana@example.org"})
	if !errors.Is(err, identity.ErrExists) {
		t.Errorf("unverified email of a local user: got user %q and %v, want ErrExists", unverified.ID, err)
	}
	linked, err := d.UpsertOIDCUser(ctx, identity.OIDCIdentity{Issuer: "https://idp", Subject: "s-ana",
		Email: "ana@example.org", EmailVerified: true, Groups: []string{"staff"}})
	if err != nil {
		t.Fatal(err)
	}
	if linked.ID != local.ID {
		t.Errorf("verified email: got user %q, want the local user %q", linked.ID, local.ID)
	}
	again, err := d.UpsertOIDCUser(ctx, identity.OIDCIdentity{Issuer: "https://idp", Subject: "s-ana", Email: "ana@example.org", Groups: []string{"admins"}})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != local.ID || len(again.Groups) != 1 || again.Groups[0] != "admins" {
		t.Errorf("second sign-in: got %+v, want the same user with groups [admins]", again)
	}
	other, err := d.UpsertOIDCUser(ctx, identity.OIDCIdentity{Issuer: "https://idp", Subject: "s-other",
		Email: "ana@example.org", EmailVerified: true})
	if !errors.Is(err, identity.ErrExists) {
		t.Errorf("second subject with a linked email: got user %q and %v, want ErrExists", other.ID, err)
	}
}
