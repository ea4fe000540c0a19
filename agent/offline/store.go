// Package offline keeps the server's signed policy bundle on disk and
// decides actions by it while the server cannot be reached. It pins the
// key that signs bundles on first use. It accepts only bundles that key
// signed, with a revision no older than the last accepted one. It caches
// the verified bytes in the state folder, so a restarted agent decides by
// the same policies.
package offline

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"parapet/server/bundle"
)

// File names in the state folder.
const (
	KeyFileName    = "bundle-key.json"
	BundleFileName = "policy-bundle.json"
)

// pinnedKey is the content of KeyFileName, in the form that
// GET /agent/v1/bundle-key returns.
type pinnedKey struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	// PublicKey is the standard base64 of the 32-byte ed25519 key.
	PublicKey []byte `json:"public_key"`
}

// decodeKey checks a bundle-key document and returns its key.
func decodeKey(data []byte) (ed25519.PublicKey, error) {
	var k pinnedKey
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("decoding bundle key: %w", err)
	}
	if k.Algorithm != "ed25519" {
		return nil, fmt.Errorf("decoding bundle key: algorithm %q, want ed25519", k.Algorithm)
	}
	if len(k.PublicKey) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("decoding bundle key: public_key is %d bytes, want %d", len(k.PublicKey), ed25519.PublicKeySize)
	}
	key := ed25519.PublicKey(k.PublicKey)
	if want := bundle.KeyID(key); k.KeyID != want {
		return nil, fmt.Errorf("decoding bundle key: key_id %q does not match the key, whose id is %q", k.KeyID, want)
	}
	return key, nil
}

// readKey returns the pinned key, or nil and no error when none is pinned.
func readKey(dir string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(filepath.Join(dir, KeyFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading pinned bundle key: %w", err)
	}
	return decodeKey(data)
}

func writeKey(dir string, key ed25519.PublicKey) error {
	data, err := json.Marshal(pinnedKey{Algorithm: "ed25519", KeyID: bundle.KeyID(key), PublicKey: key})
	if err != nil {
		return fmt.Errorf("encoding bundle key: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, KeyFileName), data)
}

// readBundle returns the cached bundle bytes, or nil and no error when
// none are cached.
func readBundle(dir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, BundleFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading cached policy bundle: %w", err)
	}
	return data, nil
}

// writeFileAtomic writes data to a temporary file in path's folder with
// mode 0600, syncs it, renames it over path and syncs the folder, so a
// crash leaves either the old or the new content.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("setting mode of %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming %s: %w", path, err)
	}
	return syncDir(dir)
}
