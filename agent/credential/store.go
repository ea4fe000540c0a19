// Package credential enrolls the device with parapet-server and stores the
// device credential that the server returns.
package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"parapet/protocol"

	"github.com/zalando/go-keyring"
)

// KeyringService is the keyring service name the credential is stored under.
const KeyringService = "parapet-agent"

// ErrNotFound is returned by Store.Load when no credential is stored yet.
var ErrNotFound = errors.New("no device credential stored")

// Store keeps the device id and credential across restarts.
type Store interface {
	// Load returns the stored enrollment, or ErrNotFound.
	Load() (protocol.EnrollResponse, error)
	// Save replaces the stored enrollment.
	Save(protocol.EnrollResponse) error
	// Name describes where the credential is kept, for logs.
	Name() string
}

// ErrTooLarge is returned by Keyring.Save when the OS keyring cannot hold
// the value. go-keyring v0.2.8 rejects values above 2560 bytes on Windows
// and, because it base64-encodes them into a 4096-byte command line, above
// roughly 3000 bytes on macOS. Secret Service on Linux has no such limit.
var ErrTooLarge = errors.New("credential is too large for the OS keyring")

// Keyring stores the enrollment in the OS keyring (Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows), under
// KeyringService with the server URL as the account.
type Keyring struct {
	Account string
	// MaxSize, when positive, makes Save reject an encoded value longer
	// than MaxSize bytes with ErrTooLarge before it reaches the keyring.
	// Tests use it to act as a size-limited keychain.
	MaxSize int
}

func (k Keyring) Name() string { return "os keyring" }

func (k Keyring) Load() (protocol.EnrollResponse, error) {
	secret, err := keyring.Get(KeyringService, k.Account)
	if errors.Is(err, keyring.ErrNotFound) {
		return protocol.EnrollResponse{}, ErrNotFound
	}
	if err != nil {
		return protocol.EnrollResponse{}, fmt.Errorf("reading credential from keyring: %w", err)
	}
	return decode([]byte(secret), "keyring")
}

func (k Keyring) Save(r protocol.EnrollResponse) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding credential: %w", err)
	}
	if k.MaxSize > 0 && len(data) > k.MaxSize {
		return fmt.Errorf("writing credential to keyring: %d bytes, limit %d: %w", len(data), k.MaxSize, ErrTooLarge)
	}
	err = keyring.Set(KeyringService, k.Account, string(data))
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("writing credential to keyring: %d bytes: %w", len(data), ErrTooLarge)
	}
	if err != nil {
		return fmt.Errorf("writing credential to keyring: %w", err)
	}
	return nil
}

// Delete removes the stored enrollment. Deleting a missing one is not an
// error.
func (k Keyring) Delete() error {
	err := keyring.Delete(KeyringService, k.Account)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("deleting credential from keyring: %w", err)
	}
	return nil
}

func decode(data []byte, where string) (protocol.EnrollResponse, error) {
	var r protocol.EnrollResponse
	if err := json.Unmarshal(data, &r); err != nil {
		// The JSON error could quote the secret, so it is not wrapped.
		return r, fmt.Errorf("decoding credential from %s: stored value is not valid JSON", where)
	}
	if err := checkEnrollment(r); err != nil {
		return r, fmt.Errorf("decoding credential from %s: %w", where, err)
	}
	return r, nil
}

func checkEnrollment(r protocol.EnrollResponse) error {
	if !protocol.ValidID(r.DeviceID) {
		return errors.New("device_id is missing or not a valid id")
	}
	if r.Credential == "" {
		return errors.New("credential is empty")
	}
	return nil
}

// Select returns primary when it works, which a Load that succeeds or
// returns ErrNotFound shows. Otherwise it logs one warning and returns
// fallback. It is how the agent falls back from the keyring to a file on
// machines without a keyring service.
func Select(primary, fallback Store, log *slog.Logger) Store {
	_, err := primary.Load()
	if err == nil || errors.Is(err, ErrNotFound) {
		return primary
	}
	log.Warn("credential store unavailable, using fallback",
		"store", primary.Name(), "fallback", fallback.Name(), "error", err)
	return fallback
}
