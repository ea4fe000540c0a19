package totp_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	pqtotp "github.com/pquerna/otp/totp"

	"parapet/server/identity/memory"
	"parapet/server/identity/totp"
)

var start = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// enrolled returns an authenticator with a confirmed enrollment for
// usr_1, confirmed with a code three steps before start, so that codes
// within the skew of start are still unused.
func enrolled(t *testing.T) (*totp.Authenticator, *clock, string) {
	t.Helper()
	c := &clock{now: start.Add(-3 * totp.Period)}
	a := &totp.Authenticator{Store: &memory.Store{}, Issuer: "Parapet", Now: c.Now}
	key, err := a.Begin(context.Background(), "usr_1", "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Confirm(context.Background(), "usr_1", code(t, key.Secret, c.now)); err != nil {
		t.Fatal(err)
	}
	c.now = start
	return a, c, key.Secret
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := pqtotp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBeginEnrollment(t *testing.T) {
	a := &totp.Authenticator{Store: &memory.Store{}, Issuer: "Parapet"}
	key, err := a.Begin(context.Background(), "usr_1", "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.URI, "otpauth://totp/Parapet:ana@example.org?") {
		t.Errorf("got URI %q, want otpauth://totp/Parapet:ana@example.org?...", key.URI)
	}
	if !strings.Contains(key.URI, "secret="+key.Secret) {
		t.Errorf("got URI %q, want it to carry the secret", key.URI)
	}
	if len(key.Secret) < 32 {
		t.Errorf("got a %d-character secret, want at least 160 bits (32 base32 characters)", len(key.Secret))
	}
	if !bytes.HasPrefix(key.QRCodePNG, []byte("\x89PNG\r\n\x1a\n")) {
		t.Error("QR code is not a PNG")
	}
	if a.Enrolled(context.Background(), "usr_1") {
		t.Error("before Confirm: got enrolled, want not enrolled")
	}
	if err := a.Verify(context.Background(), "usr_1", code(t, key.Secret, time.Now())); !errors.Is(err, totp.ErrNotEnrolled) {
		t.Errorf("Verify before Confirm: got %v, want ErrNotEnrolled", err)
	}
}

func TestConfirmRejectsWrongCode(t *testing.T) {
	a := &totp.Authenticator{Store: &memory.Store{}, Issuer: "Parapet"}
	if _, err := a.Begin(context.Background(), "usr_1", "ana@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := a.Confirm(context.Background(), "usr_1", "000000"); !errors.Is(err, totp.ErrInvalidCode) {
		t.Errorf("got %v, want ErrInvalidCode", err)
	}
	if a.Enrolled(context.Background(), "usr_1") {
		t.Error("got enrolled after a wrong code")
	}
}

func TestVerifyCodes(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration
		code   func(secret string) string
		want   error
	}{
		{"current step", 0, nil, nil},
		{"one step ahead", totp.Period, nil, nil},
		{"two steps ahead", 2 * totp.Period, nil, totp.ErrInvalidCode},
		{"wrong code", 0, func(string) string { return "123456" }, totp.ErrInvalidCode},
		{"too short", 0, func(string) string { return "12345" }, totp.ErrInvalidCode},
		{"one step behind", -totp.Period, nil, nil},
		{"two steps behind", -2 * totp.Period, nil, totp.ErrInvalidCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, c, secret := enrolled(t)
			got := code(t, secret, c.now.Add(tt.offset))
			if tt.code != nil {
				got = tt.code(secret)
				if got == code(t, secret, c.now) {
					t.Skip("the fixed code happens to be the current one")
				}
			}
			if err := a.Verify(context.Background(), "usr_1", got); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyRejectsReplay(t *testing.T) {
	a, c, secret := enrolled(t)
	current := code(t, secret, c.now)
	if err := a.Verify(context.Background(), "usr_1", current); err != nil {
		t.Fatalf("first use: got %v, want nil", err)
	}
	if err := a.Verify(context.Background(), "usr_1", current); !errors.Is(err, totp.ErrReplayed) {
		t.Errorf("second use: got %v, want ErrReplayed", err)
	}
	behind := code(t, secret, c.now.Add(-totp.Period))
	if err := a.Verify(context.Background(), "usr_1", behind); !errors.Is(err, totp.ErrReplayed) {
		t.Errorf("unused code of an earlier step: got %v, want ErrReplayed", err)
	}
	c.now = c.now.Add(totp.Period)
	if err := a.Verify(context.Background(), "usr_1", current); !errors.Is(err, totp.ErrReplayed) {
		t.Errorf("used code one step later, inside the skew: got %v, want ErrReplayed", err)
	}
	if err := a.Verify(context.Background(), "usr_1", code(t, secret, c.now)); err != nil {
		t.Errorf("next step's code: got %v, want nil", err)
	}
}

func TestVerifyWithoutSkew(t *testing.T) {
	a, c, secret := enrolled(t)
	a.NoSkew = true
	if err := a.Verify(context.Background(), "usr_1", code(t, secret, c.now.Add(totp.Period))); !errors.Is(err, totp.ErrInvalidCode) {
		t.Errorf("next step with NoSkew: got %v, want ErrInvalidCode", err)
	}
}

func TestReset(t *testing.T) {
	a, _, _ := enrolled(t)
	if err := a.Reset(context.Background(), "usr_1"); err != nil {
		t.Fatal(err)
	}
	if a.Enrolled(context.Background(), "usr_1") {
		t.Error("after Reset: got enrolled, want not enrolled")
	}
}
