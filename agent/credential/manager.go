package credential

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"parapet/protocol"
)

// Store kinds, as the posture report's credential_store field names them.
const (
	KindKeyring = "keyring"
	KindFile    = "file"
)

// Modes for the credential_store config key.
const (
	// ModeAuto uses the OS keyring when it works and the file otherwise.
	ModeAuto = "auto"
	// ModeKeyring uses only the OS keyring, except for a credential too
	// large for it.
	ModeKeyring = "keyring"
	// ModeFile uses only the file.
	ModeFile = "file"
)

// Manager keeps the credential in the OS keyring or in a file, and
// records which of the two holds it. A credential that the keyring
// rejects as too large (ErrTooLarge) goes to the file instead, whole: the
// agent does not split a credential across keyring entries, so every
// replacement stays one atomic write. Its methods are safe for concurrent
// use.
type Manager struct {
	keyring *Keyring // nil when the keyring is not used
	file    File
	log     *slog.Logger

	mu   sync.Mutex
	kind string
}

// NewManager returns a manager for mode, one of the Mode constants. In
// ModeAuto it probes the keyring once and logs a warning when it falls
// back to the file.
func NewManager(mode string, k Keyring, f File, log *slog.Logger) (*Manager, error) {
	m := &Manager{file: f, log: log}
	switch mode {
	case ModeFile:
	case ModeKeyring:
		m.keyring = &k
	case ModeAuto, "":
		_, err := k.Load()
		if err == nil || errors.Is(err, ErrNotFound) {
			m.keyring = &k
			break
		}
		log.Warn("credential store unavailable, using fallback",
			"store", k.Name(), "fallback", f.Name(), "error", err)
	default:
		return nil, fmt.Errorf("credential_store: %q is not one of auto, keyring, file", mode)
	}
	return m, nil
}

// Name describes the store that holds the credential, or the first one
// Load tries when none is known yet.
func (m *Manager) Name() string {
	if m.Kind() == KindFile || m.keyring == nil {
		return m.file.Name()
	}
	return m.keyring.Name()
}

// Kind returns KindKeyring or KindFile for the store that the last Load or
// Save used, or "" before either succeeded.
func (m *Manager) Kind() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kind
}

func (m *Manager) setKind(kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kind = kind
}

// Load returns the stored enrollment from the keyring or, when the keyring
// holds none, from the file. It returns ErrNotFound when neither holds one.
func (m *Manager) Load() (protocol.EnrollResponse, error) {
	if m.keyring != nil {
		r, err := m.keyring.Load()
		if err == nil {
			m.setKind(KindKeyring)
			return r, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return r, err
		}
	}
	r, err := m.file.Load()
	if err == nil {
		m.setKind(KindFile)
	}
	return r, err
}

// Save replaces the stored enrollment. Each store replaces its value in
// one atomic step: the file by renaming a synced temporary file over it,
// the keyring by overwriting one entry. When the credential moves from one
// store to the other, the copy in the old store is deleted after the new
// one is written.
// NOTE: a crash between those two steps leaves the old credential in the
// keyring, which Load prefers. The server must keep the previous
// credential valid until the new one is used, as rotation requires anyway.
func (m *Manager) Save(r protocol.EnrollResponse) error {
	if m.keyring != nil {
		err := m.keyring.Save(r)
		if err == nil {
			m.setKind(KindKeyring)
			m.removeFile()
			return nil
		}
		if !errors.Is(err, ErrTooLarge) {
			return err
		}
		m.log.Warn("credential too large for the OS keyring, storing it in the file",
			"store", m.file.Name(), "credential_bytes", len(r.Credential))
	}
	if err := m.file.Save(r); err != nil {
		return err
	}
	m.setKind(KindFile)
	if m.keyring != nil {
		if err := m.keyring.Delete(); err != nil {
			m.log.Warn("old credential not deleted from the OS keyring", "error", err)
		}
	}
	return nil
}

func (m *Manager) removeFile() {
	err := os.Remove(m.file.Path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		m.log.Warn("old credential file not deleted", "path", m.file.Path, "error", err)
	}
}

// Rotator obtains a new credential for the device from the server, in
// exchange for the current one.
type Rotator interface {
	Rotate(ctx context.Context, current protocol.EnrollResponse) (protocol.EnrollResponse, error)
}

// Rotate replaces the stored credential with one from r and returns it.
// The new credential must belong to the same device. When Rotate fails,
// the stored credential is unchanged.
func (m *Manager) Rotate(ctx context.Context, r Rotator) (protocol.EnrollResponse, error) {
	current, err := m.Load()
	if err != nil {
		return current, fmt.Errorf("rotating credential: %w", err)
	}
	next, err := r.Rotate(ctx, current)
	if err != nil {
		return current, fmt.Errorf("rotating credential: %w", err)
	}
	if err := checkEnrollment(next); err != nil {
		return current, fmt.Errorf("rotating credential: invalid response: %w", err)
	}
	if next.DeviceID != current.DeviceID {
		return current, fmt.Errorf("rotating credential: server returned device %q, want %q", next.DeviceID, current.DeviceID)
	}
	if next.Credential == current.Credential {
		return current, errors.New("rotating credential: server returned the current credential")
	}
	if err := m.Save(next); err != nil {
		return current, fmt.Errorf("rotating credential: %w", err)
	}
	m.log.Info("device credential rotated", "device_id", next.DeviceID, "store", m.Kind())
	return next, nil
}
