package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"parapet/server/identity/sqlstore"
	"parapet/server/store"
)

func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	env := func(name string) string {
		if name == envAdminPassword {
			return "correct horse battery"
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	code := runUser([]string{"create", "--data-dir", dir, "--email", "Ana@Corp.Test", "--group", "finance", "--group", "sales", "--enroll-totp"},
		strings.NewReader(""), &stdout, &stderr, env)
	if code != 0 {
		t.Fatalf("got exit code %d (%s), want 0", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "totp_secret ") || !strings.Contains(stdout.String(), "otpauth://totp/") {
		t.Errorf("got output %q, want the TOTP secret and URI", stdout.String())
	}
	st, err := store.OpenSQLite(context.Background(), filepath.Join(dir, "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := sqlstore.New(st.DB()).UserByEmail(context.Background(), "ana@corp.test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(u.Groups, ",") != "finance,sales" || u.PasswordHash == "" {
		t.Errorf("got user %+v, want groups finance,sales and a password", u)
	}
}

func TestUserCreateErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  int
	}{
		{"no subcommand", nil, "", 2},
		{"missing email", []string{"create", "--data-dir", "D"}, "pw", 2},
		{"invalid email", []string{"create", "--data-dir", "D", "--email", "ana"}, "correct horse battery\n", 2},
		{"missing password", []string{"create", "--data-dir", "D", "--email", "ana@corp.test"}, "", 2},
		{"short password", []string{"create", "--email", "ana@corp.test"}, "short\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			for i, a := range args {
				if a == "D" {
					args[i] = t.TempDir()
				}
			}
			var out, errOut bytes.Buffer
			if code := runUser(args, strings.NewReader(tt.stdin), &out, &errOut, func(string) string { return "" }); code != tt.want {
				t.Errorf("got exit code %d (%s), want %d", code, errOut.String(), tt.want)
			}
		})
	}
}

func TestIdentityFlagsCheck(t *testing.T) {
	tests := []struct {
		name  string
		flags identityFlags
		ok    bool
	}{
		{"defaults", identityFlags{stepUpTimeout: 2 * 60e9}, true},
		{"http public url", identityFlags{publicURL: "http://x", stepUpTimeout: 2 * 60e9}, false},
		{"issuer without client", identityFlags{oidcIssuer: "https://idp", stepUpTimeout: 2 * 60e9}, false},
		{"bad webhook", identityFlags{alertWebhook: "ftp://x", stepUpTimeout: 2 * 60e9}, false},
		{"short step-up", identityFlags{stepUpTimeout: 1e9}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.flags
			err := f.check("127.0.0.1:8443")
			if (err == nil) != tt.ok {
				t.Errorf("got error %v, want ok %v", err, tt.ok)
			}
			if err == nil && f.publicURL != "https://127.0.0.1:8443" {
				t.Errorf("got public URL %q, want https://127.0.0.1:8443", f.publicURL)
			}
		})
	}
}
