package api

import (
	"net/http"
	"testing"
	"time"
)

const password = "correct horse battery"

func TestLoginSession(t *testing.T) {
	s := startServer(t)
	s.addAccount(t, "ana@corp.test", "analyst", password)
	var out loginResponse
	status := s.doJSON(t, "POST", "/api/v1/login", "", `{"email":"Ana@Corp.test","password":"`+password+`"}`, &out)
	if status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	if out.Role != "analyst" || out.Email != "ana@corp.test" {
		t.Errorf("got role %q email %q, want analyst ana@corp.test", out.Role, out.Email)
	}
	if d := time.Until(out.ExpiresAt); d < 11*time.Hour || d > 13*time.Hour {
		t.Errorf("got expiry in %v, want about 12h", d)
	}
	var me meResponse
	if status := s.doJSON(t, "GET", "/api/v1/me", out.Token, "", &me); status != http.StatusOK {
		t.Fatalf("GET me: got status %d, want 200", status)
	}
	if me.Actor != "account:ana@corp.test" || me.Role != "analyst" {
		t.Errorf("got %+v, want account:ana@corp.test as analyst", me)
	}
	if status := s.doJSON(t, "POST", "/api/v1/tokens", out.Token, `{"name":"x","role":"admin"}`, nil); status != http.StatusForbidden {
		t.Errorf("analyst session POST tokens: got status %d, want 403", status)
	}
}

func TestLoginErrors(t *testing.T) {
	s := startServer(t)
	s.addAccount(t, "ana@corp.test", "admin", password)
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"wrong password", `{"email":"ana@corp.test","password":"wrong password 1"}`, http.StatusUnauthorized, ""},
		{"unknown email", `{"email":"bob@corp.test","password":"` + password + `"}`, http.StatusUnauthorized, ""},
		{"email missing", `{"password":"x"}`, http.StatusBadRequest, "email"},
		{"password missing", `{"email":"ana@corp.test"}`, http.StatusBadRequest, "password"},
		{"unknown field", `{"email":"a","password":"b","otp":"1"}`, http.StatusBadRequest, "otp"},
		{"wrong type", `{"email":1}`, http.StatusBadRequest, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out errorBody
			status := s.doJSON(t, "POST", "/api/v1/login", "", tt.body, &out)
			if status != tt.status {
				t.Errorf("got status %d, want %d", status, tt.status)
			}
			if out.Field != tt.field {
				t.Errorf("got field %q, want %q", out.Field, tt.field)
			}
			if out.Error == "" {
				t.Error("got empty error message")
			}
		})
	}
}

func TestLoginRateLimit(t *testing.T) {
	s := startServer(t)
	s.addAccount(t, "ana@corp.test", "admin", password)
	s.addAccount(t, "bob@corp.test", "admin", password)
	wrong := `{"email":"ana@corp.test","password":"wrong password 1"}`
	for i := 0; i < maxAccountFailures; i++ {
		if status := s.doJSON(t, "POST", "/api/v1/login", "", wrong, nil); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: got status %d, want 401", i+1, status)
		}
	}
	status, header, _ := s.do(t, "POST", "/api/v1/login", "", `{"email":"ana@corp.test","password":"`+password+`"}`)
	if status != http.StatusTooManyRequests {
		t.Errorf("correct password after %d failures: got status %d, want 429", maxAccountFailures, status)
	}
	if header.Get("Retry-After") == "" {
		t.Error("got no Retry-After header")
	}
	if status := s.doJSON(t, "POST", "/api/v1/login", "", `{"email":"bob@corp.test","password":"`+password+`"}`, nil); status != http.StatusOK {
		t.Errorf("other account: got status %d, want 200", status)
	}
}

func TestLoginExpiredSession(t *testing.T) {
	s := startServer(t, func(c *Config) { c.SessionTTL = time.Millisecond })
	s.addAccount(t, "ana@corp.test", "admin", password)
	var out loginResponse
	if status := s.doJSON(t, "POST", "/api/v1/login", "", `{"email":"ana@corp.test","password":"`+password+`"}`, &out); status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	time.Sleep(5 * time.Millisecond)
	if status := s.doJSON(t, "GET", "/api/v1/me", out.Token, "", nil); status != http.StatusUnauthorized {
		t.Errorf("expired session: got status %d, want 401", status)
	}
}

func TestDeletedAccountTokensRevoked(t *testing.T) {
	s := startServer(t)
	account := s.addAccount(t, "ad@corp.test", "admin", password)
	var login loginResponse
	if status := s.doJSON(t, "POST", "/api/v1/login", "", `{"email":"ad@corp.test","password":"`+password+`"}`, &login); status != http.StatusOK {
		t.Fatalf("login: got status %d, want 200", status)
	}
	var created struct {
		Token string `json:"token"`
	}
	if status := s.doJSON(t, "POST", "/api/v1/tokens", login.Token, `{"name":"backup","role":"admin"}`, &created); status != http.StatusCreated {
		t.Fatalf("creating token: got status %d, want 201", status)
	}
	other := s.addToken(t, "ci", "admin")

	if status, _, body := s.do(t, "DELETE", "/api/v1/accounts/"+account.ID, adminToken, ""); status != http.StatusNoContent {
		t.Fatalf("deleting account: got status %d (%s), want 204", status, body)
	}
	if status := s.doJSON(t, "GET", "/api/v1/me", created.Token, "", nil); status != http.StatusUnauthorized {
		t.Errorf("token created by the deleted account: got status %d, want 401", status)
	}
	if status := s.doJSON(t, "GET", "/api/v1/me", other, "", nil); status != http.StatusOK {
		t.Errorf("token of another creator: got status %d, want 200", status)
	}
}
