// Package totp enrolls users in time-based one-time passwords (RFC 6238)
// and verifies their codes with replay protection, using
// github.com/pquerna/otp.
package totp

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"
)

// Period is the length of a time step. Authenticator apps assume 30
// seconds and six SHA-1 digits, so this package fixes all three.
const Period = 30 * time.Second

// Errors returned by Verify and Confirm.
var (
	ErrNotEnrolled = errors.New("TOTP is not enrolled for this user")
	ErrInvalidCode = errors.New("invalid TOTP code")
	// ErrReplayed means the code, or a code of an earlier time step, was
	// already accepted.
	ErrReplayed = errors.New("TOTP code was already used")
)

// Enrollment is a user's TOTP secret. Until Confirmed, the user has seen
// the secret but not yet proven that their app produces matching codes, so
// the secret does not count as a second factor.
type Enrollment struct {
	UserID string
	// Secret is base32 without padding. It is a credential: never log it.
	//
	// NOTE: stores keep it in plain text. Encrypting it at rest is up to
	// the store.
	Secret    string
	Confirmed bool
	// LastStep is the time step (Unix time / 30 s) of the last accepted
	// code. Codes of this step or earlier are rejected.
	LastStep  int64
	CreatedAt time.Time
}

// Store keeps enrollments. Implementations must be safe for concurrent use.
type Store interface {
	// TOTPEnrollment returns the user's enrollment or an error wrapping
	// identity.ErrNotFound.
	TOTPEnrollment(ctx context.Context, userID string) (Enrollment, error)
	// SaveTOTPEnrollment creates or replaces the user's enrollment.
	SaveTOTPEnrollment(ctx context.Context, e Enrollment) error
	// AdvanceTOTPStep sets LastStep to step when step is greater, and
	// returns ErrReplayed otherwise. The check and the write must be
	// atomic, so that two requests with one code cannot both pass.
	AdvanceTOTPStep(ctx context.Context, userID string, step int64) error
	// DeleteTOTPEnrollment returns nil when the user has no enrollment.
	DeleteTOTPEnrollment(ctx context.Context, userID string) error
}

// Authenticator enrolls users and verifies codes.
type Authenticator struct {
	Store Store
	// Issuer names the service in authenticator apps, such as "Parapet".
	Issuer string
	// Skew is how many time steps before and after the current one are
	// accepted. The zero value means 1, which tolerates 30 seconds of
	// clock difference. Set NoSkew to accept only the current step.
	Skew   uint
	NoSkew bool
	Now    func() time.Time
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Authenticator) skew() int64 {
	if a.NoSkew {
		return 0
	}
	if a.Skew == 0 {
		return 1
	}
	return int64(a.Skew)
}

// Key is a new TOTP secret to show the user once.
type Key struct {
	// URI is the otpauth:// URI that authenticator apps import.
	URI string
	// Secret is the base32 secret, for typing in by hand.
	Secret string
	// QRCodePNG is a PNG image of a QR code of URI.
	QRCodePNG []byte
}

// QRCodeSize is the width and height of the QR code, in pixels.
const QRCodeSize = 256

// Begin creates a new unconfirmed secret for the user and stores it,
// replacing any earlier enrollment. account is the name the app shows,
// usually the email.
func (a *Authenticator) Begin(ctx context.Context, userID, account string) (Key, error) {
	key, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer:      a.Issuer,
		AccountName: account,
		Period:      uint(Period / time.Second),
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return Key{}, fmt.Errorf("generating TOTP secret: %w", err)
	}
	img, err := key.Image(QRCodeSize, QRCodeSize)
	if err != nil {
		return Key{}, fmt.Errorf("rendering TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Key{}, fmt.Errorf("encoding TOTP QR code: %w", err)
	}
	e := Enrollment{UserID: userID, Secret: key.Secret(), CreatedAt: a.now().UTC()}
	if err := a.Store.SaveTOTPEnrollment(ctx, e); err != nil {
		return Key{}, fmt.Errorf("storing TOTP enrollment: %w", err)
	}
	return Key{URI: key.URL(), Secret: key.Secret(), QRCodePNG: buf.Bytes()}, nil
}

// Confirm checks the first code from the user's app and marks the
// enrollment confirmed. The code is consumed like any other.
func (a *Authenticator) Confirm(ctx context.Context, userID, code string) error {
	e, err := a.Store.TOTPEnrollment(ctx, userID)
	if err != nil {
		return fmt.Errorf("reading TOTP enrollment: %w", err)
	}
	if err := a.consume(ctx, e, code); err != nil {
		return err
	}
	e.Confirmed = true
	if e, err = a.reload(ctx, e); err != nil {
		return err
	}
	if err := a.Store.SaveTOTPEnrollment(ctx, e); err != nil {
		return fmt.Errorf("storing TOTP enrollment: %w", err)
	}
	return nil
}

// reload rereads the enrollment so that saving it keeps the LastStep that
// consume wrote.
func (a *Authenticator) reload(ctx context.Context, e Enrollment) (Enrollment, error) {
	fresh, err := a.Store.TOTPEnrollment(ctx, e.UserID)
	if err != nil {
		return Enrollment{}, fmt.Errorf("reading TOTP enrollment: %w", err)
	}
	fresh.Confirmed = e.Confirmed
	return fresh, nil
}

// Reset deletes the user's enrollment, so they can enroll again. Only an
// admin action should call it.
func (a *Authenticator) Reset(ctx context.Context, userID string) error {
	if err := a.Store.DeleteTOTPEnrollment(ctx, userID); err != nil {
		return fmt.Errorf("deleting TOTP enrollment of %s: %w", userID, err)
	}
	return nil
}

// Enrolled reports whether the user has a confirmed enrollment.
func (a *Authenticator) Enrolled(ctx context.Context, userID string) bool {
	e, err := a.Store.TOTPEnrollment(ctx, userID)
	return err == nil && e.Confirmed
}

// Verify checks a code of a confirmed enrollment. It returns
// ErrNotEnrolled, ErrInvalidCode or ErrReplayed when the code does not
// pass.
func (a *Authenticator) Verify(ctx context.Context, userID, code string) error {
	e, err := a.Store.TOTPEnrollment(ctx, userID)
	if err != nil || !e.Confirmed {
		return ErrNotEnrolled
	}
	return a.consume(ctx, e, code)
}

// consume finds the time step that code belongs to, within the skew, and
// advances the enrollment's last step to it.
func (a *Authenticator) consume(ctx context.Context, e Enrollment, code string) error {
	if len(code) != 6 {
		return ErrInvalidCode
	}
	now := a.now()
	current := now.Unix() / int64(Period/time.Second)
	skew := a.skew()
	matched := int64(-1)
	// Every candidate is compared, in constant time, so the response time
	// does not tell which step matched.
	for step := current - skew; step <= current+skew; step++ {
		want, err := pqtotp.GenerateCodeCustom(e.Secret, time.Unix(step*int64(Period/time.Second), 0),
			pqtotp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return fmt.Errorf("generating TOTP code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched = step
		}
	}
	if matched < 0 {
		return ErrInvalidCode
	}
	if err := a.Store.AdvanceTOTPStep(ctx, e.UserID, matched); err != nil {
		if errors.Is(err, ErrReplayed) {
			return ErrReplayed
		}
		return fmt.Errorf("recording TOTP step: %w", err)
	}
	return nil
}
