package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var cheap = Params{Memory: 1024, Time: 1, Threads: 1}

func TestHashPasswordRoundTrip(t *testing.T) {
	hash, err := HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("got hash %q, want the PHC prefix with its parameters", hash)
	}
	if err := VerifyPassword("correct horse battery", hash); err != nil {
		t.Errorf("right password: got %v, want nil", err)
	}
	if err := VerifyPassword("correct horse batterY", hash); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: got %v, want ErrMismatch", err)
	}
	again, _ := HashPassword("correct horse battery", cheap)
	if again == hash {
		t.Error("got equal hashes for two calls, want distinct salts")
	}
}

func TestHashPasswordDefaultParams(t *testing.T) {
	hash, err := HashPassword("correct horse battery", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hash, "$m=65536,t=3,p=2$") {
		t.Errorf("got hash %q, want m=65536,t=3,p=2", hash)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	for _, hash := range []string{
		"",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2id$v=18$m=1024,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$a2V5",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$",
	} {
		err := VerifyPassword("x", hash)
		if err == nil || errors.Is(err, ErrMismatch) {
			t.Errorf("%q: got %v, want a decoding error", hash, err)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		password string
		ok       bool
	}{
		{"short", false},
		{strings.Repeat("p", MinPasswordLength), true},
		{strings.Repeat("p", MaxPasswordLength+1), false},
	}
	for _, tt := range tests {
		if err := CheckPassword(tt.password); (err == nil) != tt.ok {
			t.Errorf("length %d: got %v, want ok %v", len(tt.password), err, tt.ok)
		}
	}
}

func TestNewTokenHash(t *testing.T) {
	token, sum, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, TokenPrefix) || len(token) != len(TokenPrefix)+43 {
		t.Errorf("got token %q, want %s and 43 base64url characters", token, TokenPrefix)
	}
	if string(HashToken(token)) != string(sum) {
		t.Error("got a hash that differs from HashToken")
	}
}

func TestLimiterWindow(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	l := NewLimiter(3, time.Minute)
	l.Now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if blocked, _ := l.Blocked("ana"); blocked {
			t.Fatalf("failure %d: got blocked, want allowed", i)
		}
		l.Fail("ana")
	}
	blocked, wait := l.Blocked("ana")
	if !blocked || wait != time.Minute {
		t.Errorf("after 3 failures: got blocked %v wait %v, want true 1m", blocked, wait)
	}
	if blocked, _ := l.Blocked("bob"); blocked {
		t.Error("other key: got blocked, want allowed")
	}
	now = now.Add(time.Minute)
	if blocked, _ := l.Blocked("ana"); blocked {
		t.Error("after the window: got blocked, want allowed")
	}
	l.Fail("bob")
	l.Fail("bob")
	l.Fail("bob")
	l.Reset("bob")
	if blocked, _ := l.Blocked("bob"); blocked {
		t.Error("after Reset: got blocked, want allowed")
	}
}
