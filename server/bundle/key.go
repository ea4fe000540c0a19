package bundle

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
)

// KeyFileName is the name of the signing key file in the server's data
// folder.
const KeyFileName = "bundle-signing.key"

// pemType is the PEM block type of the key file, which contains a PKCS #8
// private key.
const pemType = "PRIVATE KEY"

// LoadOrCreateKey reads the ed25519 signing key at path, or creates one
// with mode 0600 when the file does not exist. created reports whether it
// did. A key file that other users may read is rejected on Unix, because
// anyone holding the key can sign policies that every agent trusts.
func LoadOrCreateKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	key, err = readKey(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	key, err = createKey(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created the file between the read and the create.
		key, err = readKey(path)
		return key, false, err
	}
	return key, err == nil, err
}

func readKey(path string) (ed25519.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("reading signing key %s: mode is %04o, but other users must not read it; run chmod 600 %s", path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType {
		return nil, fmt.Errorf("reading signing key %s: no %q PEM block found", path, pemType)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading signing key %s: %w", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("reading signing key %s: got a %T, want an ed25519 key", path, parsed)
	}
	return key, nil
}

// createKey writes a new key with O_EXCL, so an existing key is never
// replaced. Agents that pinned it would reject every later bundle.
func createKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("creating signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating signing key: %w", err)
	}
	writeErr := pem.Encode(f, &pem.Block{Type: pemType, Bytes: der})
	if writeErr == nil {
		writeErr = f.Sync()
	}
	if err := f.Close(); writeErr == nil {
		writeErr = err
	}
	if writeErr != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing signing key %s: %w", path, writeErr)
	}
	return key, nil
}
