package main

import (
	"strings"
	"testing"
)

func TestEnrollTokensCommands(t *testing.T) {
	e := startServer(t)
	e.login(t)
	status, out, errOut := e.run(t, "", nil, "enroll-tokens", "create", "--name", "laptops", "--max-uses", "3", "--managed", "--expires-in", "24h")
	if status != 0 {
		t.Fatalf("create: got status %d (%s), want 0", status, errOut)
	}
	token := strings.TrimSpace(out)
	if !strings.HasPrefix(token, "ppe_") {
		t.Errorf("create: got output %q, want only the ppe_ token", out)
	}
	if !strings.Contains(errOut, "shown only now") {
		t.Errorf("create: got stderr %q, want the shown-once note", errOut)
	}
	id := strings.Fields(strings.TrimPrefix(errOut, "created enrollment token "))[0]

	status, out, errOut = e.run(t, "", nil, "enroll-tokens", "list")
	if status != 0 {
		t.Fatalf("list: got status %d (%s), want 0", status, errOut)
	}
	for _, want := range []string{"laptops", "0/3", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("list: got %q, want it to contain %q", out, want)
		}
	}
	if strings.Contains(out, token) {
		t.Error("list prints the token")
	}

	if status, out, errOut := e.run(t, "", nil, "enroll-tokens", "revoke", id); status != 0 || !strings.Contains(out, "revoked enrollment token "+id) {
		t.Errorf("revoke: got status %d output %q (%s), want the revoked token", status, out, errOut)
	}
	if _, out, _ := e.run(t, "", nil, "enroll-tokens", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("list after revoke: got %q, want state revoked", out)
	}

	tests := []struct {
		name   string
		args   []string
		status int
	}{
		{"create without name", []string{"enroll-tokens", "create"}, 2},
		{"create zero uses", []string{"enroll-tokens", "create", "--name", "x", "--max-uses", "0"}, 1},
		{"revoke unknown", []string{"enroll-tokens", "revoke", "enr-missing"}, 1},
		{"revoke without id", []string{"enroll-tokens", "revoke"}, 2},
	}
	for _, tt := range tests {
		if status, _, errOut := e.run(t, "", nil, tt.args...); status != tt.status {
			t.Errorf("%s: got status %d (%s), want %d", tt.name, status, errOut, tt.status)
		}
	}
}
