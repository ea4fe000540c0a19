// Package filekeys keeps the age X25519 identities that protected
// downloads are encrypted to, and unwraps the file key of a .parapet file
// for a user whom policy allows to open it.
//
// The keys live in DATA_DIR/filekeys, a folder of mode 0700:
//
//	org.agekey              the organization's identity
//	users/HEX.agekey        one identity per user, HEX being the SHA-256
//	                        of the user name, created on first use
//
// Each file has mode 0600 and holds an age identity ("AGE-SECRET-KEY-1...")
// after a comment line. The files are not encrypted at rest: a key to
// decrypt them would have to sit in the same data folder, next to the
// SQLite database and the TLS key, which have the same protection.
package filekeys

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"filippo.io/age"

	"parapet/protocol"
)

// Errors of UnwrapFileKey.
var (
	// ErrNotRecipient means neither the organization's identity nor the
	// requesting user's identity is a recipient of the file.
	ErrNotRecipient = errors.New("file is not encrypted to the organization or to this user")
	// ErrDenied means the allowed function rejected the request.
	ErrDenied = errors.New("opening this file is not allowed by policy")
)

// Keys holds the organization's identity and loads user identities on
// demand. It is safe for concurrent use.
type Keys struct {
	dir string
	org *age.X25519Identity

	mu    sync.Mutex
	users map[string]*age.X25519Identity
}

// Open loads the identities under dataDir/filekeys, creating the folder
// and the organization's identity when missing.
func Open(dataDir string) (*Keys, error) {
	dir := filepath.Join(dataDir, "filekeys")
	if err := os.MkdirAll(filepath.Join(dir, "users"), 0o700); err != nil {
		return nil, fmt.Errorf("creating file key folder: %w", err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "users")} {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("setting mode of %s: %w", d, err)
		}
	}
	org, err := loadOrCreate(filepath.Join(dir, "org.agekey"), "organization")
	if err != nil {
		return nil, err
	}
	return &Keys{dir: dir, org: org, users: map[string]*age.X25519Identity{}}, nil
}

// OrgRecipient returns the organization's age recipient ("age1...").
func (k *Keys) OrgRecipient() string { return k.org.Recipient().String() }

// UserRecipient returns the age recipient of user, creating the user's
// identity on first use.
func (k *Keys) UserRecipient(user string) (string, error) {
	id, err := k.user(user)
	if err != nil {
		return "", err
	}
	return id.Recipient().String(), nil
}

// RecipientsFor returns the recipients that a protect verdict with the
// given encryption target lists: none for protocol.EncryptNone, the
// organization for protocol.EncryptOrg, and the user alone for
// protocol.EncryptUser.
func (k *Keys) RecipientsFor(target, user string) ([]string, error) {
	switch target {
	case protocol.EncryptNone:
		return nil, nil
	case protocol.EncryptOrg:
		return []string{k.OrgRecipient()}, nil
	case protocol.EncryptUser:
		r, err := k.UserRecipient(user)
		if err != nil {
			return nil, err
		}
		return []string{r}, nil
	}
	return nil, fmt.Errorf("listing recipients: unknown encryption target %q", target)
}

func (k *Keys) user(user string) (*age.X25519Identity, error) {
	if user == "" {
		return nil, errors.New("loading user file key: empty user name")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if id, ok := k.users[user]; ok {
		return id, nil
	}
	sum := sha256.Sum256([]byte(user))
	path := filepath.Join(k.dir, "users", hex.EncodeToString(sum[:])+".agekey")
	id, err := loadOrCreate(path, "user "+strings.ReplaceAll(user, "\n", " "))
	if err != nil {
		return nil, err
	}
	k.users[user] = id
	return id, nil
}

// loadOrCreate reads the identity at path or, when the file does not
// exist, generates one and writes it with mode 0600. A new file is
// created with O_EXCL, so two servers racing on one folder cannot write
// different keys.
func loadOrCreate(path, owner string) (*age.X25519Identity, error) {
	id, err := load(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return id, err
	}
	id, err = age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generating file key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("creating file key %s: %w", path, err)
	}
	content := fmt.Sprintf("# parapet file key of the %s, public key: %s\n%s\n", owner, id.Recipient(), id)
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("writing file key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("syncing file key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("closing file key %s: %w", path, err)
	}
	return id, nil
}

func load(path string) (*age.X25519Identity, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening file key: %w", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, fmt.Errorf("parsing file key %s: %w", path, err)
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("parsing file key %s: %d identities, want 1", path, len(ids))
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, fmt.Errorf("parsing file key %s: not an X25519 identity", path)
	}
	return id, nil
}
