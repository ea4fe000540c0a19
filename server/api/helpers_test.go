package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"parapet/server/auth"
	"parapet/server/store"
)

// testParams are cheap argon2id costs, so tests that hash stay fast.
var testParams = auth.Params{Memory: 1024, Time: 1, Threads: 1}

// do sends a request with an optional bearer token and returns the status,
// headers and body.
func (s *testServer) do(t *testing.T, method, path, token, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

// doJSON is do with the body decoded into out.
func (s *testServer) doJSON(t *testing.T, method, path, token, body string, out any) int {
	t.Helper()
	status, _, data := s.do(t, method, path, token, body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, data, err)
		}
	}
	return status
}

// addToken stores an API token with role and returns it.
func (s *testServer) addToken(t *testing.T, name, role string) string {
	t.Helper()
	token, sum, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	tok := store.Token{ID: "tok-" + name, Kind: store.TokenAPI, Name: name, Role: role, SHA256: sum,
		CreatedBy: "test", CreatedAt: time.Now().UTC()}
	if err := s.store.CreateToken(context.Background(), tok, store.AuditEntry{Actor: "test", Action: "token.create"}); err != nil {
		t.Fatal(err)
	}
	return token
}

// addAccount stores an account with password and role.
func (s *testServer) addAccount(t *testing.T, email, role, password string) store.Account {
	t.Helper()
	a, err := CreateAccount(context.Background(), s.store, "test", email, role, password, testParams)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// auditActions returns the actions of the audit log, newest first.
func (s *testServer) auditActions(t *testing.T) []string {
	t.Helper()
	var out auditResponse
	if status := s.doJSON(t, "GET", "/api/v1/audit", adminToken, "", &out); status != http.StatusOK {
		t.Fatalf("GET audit: got status %d, want 200", status)
	}
	var actions []string
	for _, e := range out.Entries {
		actions = append(actions, e.Action)
	}
	return actions
}
