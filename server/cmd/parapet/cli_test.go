package main

import (
	"context"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parapet/server/api"
	"parapet/server/api/policyview"
	"parapet/server/auth"
	"parapet/server/hub"
	"parapet/server/store"
)

const (
	testEmail    = "ana@corp.test"
	testPassword = "correct horse battery"
	testPolicy   = `apps:
  - id: filestore
    hosts: ["127.0.0.1:8080"]
policies:
  - id: monitor-filestore
    apps: [filestore]
    decision: monitor
`
)

type env struct {
	server    *httptest.Server
	caFile    string
	configDir string
	dir       string
}

// startServer runs the admin API with policies managed through it, as
// parapet-server --api-policies does, and an account to log in with.
func startServer(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(dir, "parapet.db"))
	if err != nil {
		t.Fatal(err)
	}
	empty := policyview.Empty()
	revision, err := st.PolicyRevision(ctx, empty.Digest, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	params := auth.Params{Memory: 1024, Time: 1, Threads: 1}
	if _, err := api.CreateAccount(ctx, st, "test", testEmail, "admin", testPassword, params); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := hub.New(st, log, "test", hub.Policies{Set: empty, Revision: revision})
	srv := httptest.NewTLSServer(api.New(api.Config{Store: st, Hub: h, Log: log, EnrollToken: api.NewSecret("enroll-token-0123456789"), PasswordParams: params}))
	t.Cleanup(func() {
		h.Close()
		srv.Close()
		st.Close()
	})
	caFile := filepath.Join(dir, "ca.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{server: srv, caFile: caFile, configDir: filepath.Join(dir, "config"), dir: dir}
}

// run runs the CLI with args, the given standard input and extra
// environment variables, and returns the exit status and outputs.
func (e *env) run(t *testing.T, stdin string, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	c := &cli{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: func(name string) string {
		if v, ok := vars[name]; ok {
			return v
		}
		return map[string]string{envConfigDir: e.configDir}[name]
	}}
	status := c.run(args)
	return status, stdout.String(), stderr.String()
}

func (e *env) login(t *testing.T) {
	t.Helper()
	status, out, errOut := e.run(t, testPassword+"\n", nil, "--server", e.server.URL, "--ca-file", e.caFile, "login", "--email", testEmail)
	if status != 0 {
		t.Fatalf("login: got status %d (%s), want 0", status, errOut)
	}
	if !strings.Contains(out, "logged in") {
		t.Errorf("login: got output %q", out)
	}
}

func (e *env) writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoginStoresToken(t *testing.T) {
	e := startServer(t)
	e.login(t)
	info, err := os.Stat(filepath.Join(e.configDir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("got credentials mode %o, want 600", mode)
	}
	data, _ := os.ReadFile(filepath.Join(e.configDir, "credentials.json"))
	if !strings.Contains(string(data), auth.TokenPrefix) || strings.Contains(string(data), testPassword) {
		t.Errorf("got credentials %s, want a token and no password", data)
	}
	// The stored login supplies server, CA file and token.
	if status, out, errOut := e.run(t, "", nil, "devices", "list"); status != 0 || !strings.HasPrefix(out, "ID") {
		t.Errorf("devices list: got status %d output %q (%s), want a table", status, out, errOut)
	}
}

func TestLoginWrongPassword(t *testing.T) {
	e := startServer(t)
	status, _, errOut := e.run(t, "wrong password!\n", nil, "--server", e.server.URL, "--ca-file", e.caFile, "login", "--email", testEmail)
	if status != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("got status %d stderr %q, want 1 with 401", status, errOut)
	}
}

func TestPolicyCommands(t *testing.T) {
	e := startServer(t)
	e.login(t)
	file := e.writeFile(t, "policies.yaml", testPolicy)
	caseInput := "    input: {activity: download, app_host: \"127.0.0.1:8080\", page_url: \"http://127.0.0.1:8080/\", device: {enrolled: true}}\n"
	cases := e.writeFile(t, "cases/pass_test.yaml", "cases:\n  - name: monitored download\n"+caseInput+"    expect: {decision: monitor}\n")
	failing := e.writeFile(t, "cases/fail_test.yaml", "cases:\n  - name: expects block\n"+caseInput+"    expect: {decision: block}\n")

	steps := []struct {
		name   string
		args   []string
		status int
		want   string
	}{
		{"validate", []string{"policy", "validate", file}, 0, "valid, 1 apps and 1 policies"},
		{"diff before", []string{"policy", "diff", file}, 0, "+ apps filestore"},
		{"apply", []string{"policy", "apply", file}, 0, "+ policies monitor-filestore"},
		{"apply again", []string{"policy", "apply", file}, 0, "unchanged"},
		{"diff after", []string{"policy", "diff", file}, 0, "no changes"},
		{"export", []string{"policy", "export"}, 0, "monitor-filestore"},
		{"preview", []string{"policy", "preview", file}, 0, "0 of 0 activities would change"},
		{"audit", []string{"audit", "list", "--action", "policy.apply"}, 0, "account:" + testEmail},
		{"activities csv", []string{"activities", "list", "--csv", "--user", testEmail}, 0, "id,time,user"},
		{"test pass", []string{"policy", "test", cases, "--policies", file}, 0, "ok   monitored download"},
		{"test fail", []string{"policy", "test", failing, "--policies", file}, 1, "FAIL expects block"},
	}
	for _, tt := range steps {
		status, out, errOut := e.run(t, "", nil, tt.args...)
		if status != tt.status {
			t.Errorf("%s: got status %d (%s), want %d", tt.name, status, errOut, tt.status)
		}
		if !strings.Contains(out+errOut, tt.want) {
			t.Errorf("%s: got output %q %q, want it to contain %q", tt.name, out, errOut, tt.want)
		}
	}
}

func TestPolicyInvalidFile(t *testing.T) {
	e := startServer(t)
	e.login(t)
	file := e.writeFile(t, "bad.yaml", strings.Replace(testPolicy, "decision: monitor", "decision: explode", 1))
	for _, cmd := range []string{"validate", "apply"} {
		status, _, errOut := e.run(t, "", nil, "policy", cmd, file)
		if status != 1 || !strings.Contains(errOut, "policies[0].decision") {
			t.Errorf("%s: got status %d stderr %q, want 1 naming policies[0].decision", cmd, status, errOut)
		}
	}
}

func TestPolicyApplyFolder(t *testing.T) {
	e := startServer(t)
	e.login(t)
	e.writeFile(t, "bundle/10-apps.yaml", "apps:\n  - id: wiki\n    hosts: [\"*.wiki.corp.test\"]\n")
	e.writeFile(t, "bundle/20-policies.yaml", "policies:\n  - id: monitor-wiki\n    apps: [wiki]\n    decision: monitor\n")
	status, out, errOut := e.run(t, "", nil, "policy", "apply", filepath.Join(e.dir, "bundle"))
	if status != 0 {
		t.Fatalf("got status %d (%s), want 0", status, errOut)
	}
	for _, want := range []string{"+ apps wiki", "+ policies monitor-wiki"} {
		if !strings.Contains(out, want) {
			t.Errorf("got output %q, want %q", out, want)
		}
	}
	if status, out, _ := e.run(t, "", nil, "policy", "diff", filepath.Join(e.dir, "bundle")); status != 0 || !strings.Contains(out, "no changes") {
		t.Errorf("diff after folder apply: got status %d output %q, want no changes", status, out)
	}
}

func TestTokenPrecedence(t *testing.T) {
	e := startServer(t)
	e.login(t)
	status, _, errOut := e.run(t, "", map[string]string{envToken: "ppt_invalid"}, "devices", "list")
	if status != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("PARAPET_TOKEN over stored login: got status %d stderr %q, want 401", status, errOut)
	}
	status, _, errOut = e.run(t, "", nil, "--token", "ppt_invalid", "devices", "list")
	if status != 1 || !strings.Contains(errOut, "401") {
		t.Errorf("--token over stored login: got status %d stderr %q, want 401", status, errOut)
	}
}

func TestHelpEveryCommand(t *testing.T) {
	e := startServer(t)
	for name := range commands {
		args := append(strings.Fields(name), "--help")
		status, _, errOut := e.run(t, "", nil, args...)
		if status != 0 || !strings.Contains(errOut, "Usage: parapet "+name) {
			t.Errorf("%s --help: got status %d output %q, want usage", name, status, errOut)
		}
		if !strings.Contains(errOut, "-server") {
			t.Errorf("%s --help: global flags missing", name)
		}
	}
	if status, _, _ := e.run(t, "", nil, "frobnicate"); status != 2 {
		t.Errorf("unknown command: got status %d, want 2", status)
	}
	if status, _, _ := e.run(t, "", nil, "devices", "show"); status != 2 {
		t.Errorf("missing argument: got status %d, want 2", status)
	}
}
