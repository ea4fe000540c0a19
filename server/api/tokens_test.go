package api

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"parapet/server/auth"
)

func TestTokenRevocation(t *testing.T) {
	s := startServer(t)
	var created createTokenResponse
	status := s.doJSON(t, "POST", "/api/v1/tokens", adminToken, `{"name":"siem export","role":"analyst"}`, &created)
	if status != http.StatusCreated {
		t.Fatalf("got status %d, want 201", status)
	}
	if !strings.HasPrefix(created.Secret, auth.TokenPrefix) {
		t.Fatalf("got token %q, want prefix %s", created.Secret, auth.TokenPrefix)
	}
	stored, err := s.store.TokenBySHA256(context.Background(), auth.HashToken(created.Secret))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.SHA256, []byte(created.Secret)) || len(stored.SHA256) != 32 {
		t.Errorf("got stored hash of %d bytes, want only a 32-byte SHA-256", len(stored.SHA256))
	}
	if status := s.doJSON(t, "GET", "/api/v1/activities", created.Secret, "", nil); status != http.StatusOK {
		t.Fatalf("new token: got status %d, want 200", status)
	}

	if status := s.doJSON(t, "POST", "/api/v1/tokens/"+created.ID+"/revoke", adminToken, "", nil); status != http.StatusOK {
		t.Fatalf("revoke: got status %d, want 200", status)
	}
	if status := s.doJSON(t, "GET", "/api/v1/activities", created.Secret, "", nil); status != http.StatusUnauthorized {
		t.Errorf("revoked token: got status %d, want 401", status)
	}
	var list struct {
		Tokens []struct {
			RevokedAt *string `json:"revoked_at"`
		}
	}
	s.doJSON(t, "GET", "/api/v1/tokens", adminToken, "", &list)
	if len(list.Tokens) != 1 || list.Tokens[0].RevokedAt == nil {
		t.Errorf("got token list %+v, want one revoked token", list.Tokens)
	}
	got := s.auditActions(t)
	if !slices.Equal(got[:2], []string{"token.revoke", "token.create"}) {
		t.Errorf("got audit actions %v, want token.revoke then token.create", got)
	}
}

func TestTokenCreateErrors(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		name, body, field string
	}{
		{"name missing", `{"role":"admin"}`, "name"},
		{"name long", `{"name":"` + strings.Repeat("n", 65) + `","role":"admin"}`, "name"},
		{"role unknown", `{"name":"ci","role":"root"}`, "role"},
		{"expiry past", `{"name":"ci","role":"admin","expires_at":"2020-01-01T00:00:00Z"}`, "expires_at"},
		{"expiry invalid", `{"name":"ci","role":"admin","expires_at":"tomorrow"}`, ""},
		{"unknown field", `{"name":"ci","role":"admin","scope":"all"}`, "scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out errorBody
			if status := s.doJSON(t, "POST", "/api/v1/tokens", adminToken, tt.body, &out); status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", status)
			}
			if out.Field != tt.field {
				t.Errorf("got field %q, want %q (%s)", out.Field, tt.field, out.Error)
			}
		})
	}
	if actions := s.auditActions(t); len(actions) != 0 {
		t.Errorf("got audit actions %v after rejected requests, want none", actions)
	}
}

func TestAccountCreate(t *testing.T) {
	s := startServer(t)
	body := `{"email":"ana@corp.test","role":"analyst","password":"` + password + `"}`
	if status := s.doJSON(t, "POST", "/api/v1/accounts", adminToken, body, nil); status != http.StatusCreated {
		t.Fatalf("got status %d, want 201", status)
	}
	var out errorBody
	if status := s.doJSON(t, "POST", "/api/v1/accounts", adminToken, body, &out); status != http.StatusConflict || out.Field != "email" {
		t.Errorf("duplicate: got status %d field %q, want 409 email", status, out.Field)
	}
	tests := []struct{ name, body, field string }{
		{"email invalid", `{"email":"ana","role":"admin","password":"` + password + `"}`, "email"},
		{"email with name", `{"email":"Ana <ana@corp.test>","role":"admin","password":"` + password + `"}`, "email"},
		{"role invalid", `{"email":"b@corp.test","role":"owner","password":"` + password + `"}`, "role"},
		{"password short", `{"email":"b@corp.test","role":"admin","password":"short"}`, "password"},
	}
	for _, tt := range tests {
		var out errorBody
		if status := s.doJSON(t, "POST", "/api/v1/accounts", adminToken, tt.body, &out); status != http.StatusBadRequest || out.Field != tt.field {
			t.Errorf("%s: got status %d field %q, want 400 %s", tt.name, status, out.Field, tt.field)
		}
	}
	var list struct{ Accounts []map[string]any }
	s.doJSON(t, "GET", "/api/v1/accounts", adminToken, "", &list)
	if len(list.Accounts) != 1 {
		t.Fatalf("got %d accounts, want 1", len(list.Accounts))
	}
	if _, leaked := list.Accounts[0]["password_hash"]; leaked {
		t.Error("account list contains the password hash")
	}
}
