package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(values map[string]string) func(string) string {
	return func(name string) string { return values[name] }
}

var goodEnv = map[string]string{envAdminToken: "admin-token-0123456789", envEnrollToken: "enroll-token-0123456789"}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig([]string{"--data-dir", "d", "--policies", "p.yaml"}, env(goodEnv), io.Discard)
	if err != nil {
		t.Fatalf("parseConfig: %v", err)
	}
	if cfg.listen != "127.0.0.1:8443" {
		t.Errorf("got listen %q, want 127.0.0.1:8443", cfg.listen)
	}
	if cfg.adminToken != goodEnv[envAdminToken] {
		t.Errorf("got admin token from env %q", cfg.adminToken)
	}
}

func TestParseConfigTokenFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "admin")
	if err := os.WriteFile(file, []byte("file-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{envEnrollToken: goodEnv[envEnrollToken]}
	cfg, err := parseConfig([]string{"--data-dir", "d", "--policies", "p", "--admin-token-file", file}, env(values), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.adminToken != "file-token-0123456789" {
		t.Errorf("got admin token %q, want the file's without newline", cfg.adminToken)
	}
}

func TestParseConfigErrors(t *testing.T) {
	short := map[string]string{envAdminToken: "short", envEnrollToken: goodEnv[envEnrollToken]}
	noEnroll := map[string]string{envAdminToken: goodEnv[envAdminToken]}
	same := map[string]string{envAdminToken: goodEnv[envAdminToken], envEnrollToken: goodEnv[envAdminToken]}
	base := []string{"--data-dir", "d", "--policies", "p"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"data dir missing", []string{"--policies", "p"}, goodEnv, "--data-dir: missing"},
		{"policies missing", []string{"--data-dir", "d"}, goodEnv, "--policies: missing"},
		{"cert without key", append(base, "--tls-cert", "c"), goodEnv, "--tls-cert and --tls-key"},
		{"bad log level", append(base, "--log-level", "loud"), goodEnv, "--log-level"},
		{"short admin token", base, short, "PARAPET_ADMIN_TOKEN: token is 5 characters, need at least 16"},
		{"missing enroll token", base, noEnroll, "set PARAPET_ENROLL_TOKEN or --enroll-token-file"},
		{"same tokens", base, same, "are equal"},
		{"missing token file", append(base, "--enroll-token-file", "/nonexistent/x"), noEnroll, "--enroll-token-file: reading token"},
		{"env and file", append(base, "--admin-token-file", "f"), goodEnv, "both PARAPET_ADMIN_TOKEN and --admin-token-file"},
		{"positional", append(base, "extra"), goodEnv, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.args, env(tt.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v, want flag.ErrHelp", err)
	}
	for _, name := range []string{"--listen", "-data-dir", "-policies", "-tls-cert", "-tls-key", "-log-level", "-admin-token-file", "-enroll-token-file"} {
		if !strings.Contains(out.String(), strings.TrimPrefix(name, "-")) {
			t.Errorf("help does not document %s", name)
		}
	}
}
