package offline

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"parapet/server/bundle"
)

// ErrKeyChanged is returned when the server offers a bundle key other
// than the pinned one.
var ErrKeyChanged = errors.New("server's bundle key differs from the pinned key")

// Cache is the pinned bundle key and the newest verified bundle, in memory
// and in the state folder. Its methods are safe for concurrent use.
type Cache struct {
	dir string
	log *slog.Logger

	mu     sync.RWMutex
	key    ed25519.PublicKey
	etag   string
	set    *Set
	minRev int64
}

// Open reads the pinned key and the cached bundle from dir and verifies
// the bundle. A cached bundle that fails verification is logged and
// ignored, so the agent keeps its fail mode until it fetches a good one.
// Only an unreadable or invalid key file is an error.
func Open(dir string, log *slog.Logger) (*Cache, error) {
	c := &Cache{dir: dir, log: log}
	key, err := readKey(dir)
	if err != nil {
		return nil, fmt.Errorf("opening offline policy cache: %w", err)
	}
	c.key = key
	data, err := readBundle(dir)
	if err != nil {
		log.Error("cached policy bundle not readable, deciding by fail mode until the server sends one", "error", err)
		return c, nil
	}
	if data == nil {
		return c, nil
	}
	if key == nil {
		log.Error("cached policy bundle ignored because no bundle key is pinned", "path", filepath.Join(dir, BundleFileName))
		return c, nil
	}
	if err := c.accept(data, false); err != nil {
		log.Error("cached policy bundle rejected, deciding by fail mode until the server sends a valid one",
			"path", filepath.Join(dir, BundleFileName), "error", err)
		return c, nil
	}
	log.Info("cached policy bundle loaded", "revision", c.set.Revision, "skipped_policies", len(c.set.skipped))
	return c, nil
}

// Key returns the pinned key, or nil when none is pinned.
func (c *Cache) Key() ed25519.PublicKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.key
}

// Pin stores key as the bundle key when none is pinned. A different key
// when one is pinned is rejected with ErrKeyChanged.
func (c *Cache) Pin(key ed25519.PublicKey) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key != nil {
		if c.key.Equal(key) {
			return nil
		}
		return fmt.Errorf("pinning bundle key %s: %w %s; remove %s to trust the new key",
			bundle.KeyID(key), ErrKeyChanged, bundle.KeyID(c.key), filepath.Join(c.dir, KeyFileName))
	}
	if err := writeKey(c.dir, key); err != nil {
		return err
	}
	c.key = key
	return nil
}

// Current returns the newest verified set, or nil when there is none.
func (c *Cache) Current() *Set {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.set
}

// ETag returns the entity tag of the current bundle, or "".
func (c *Cache) ETag() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.etag
}

// Accept verifies data with the pinned key, requires a revision no older
// than the current one, and then stores it in the state folder and makes
// it current.
func (c *Cache) Accept(data []byte) error { return c.accept(data, true) }

func (c *Cache) accept(data []byte, store bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key == nil {
		return errors.New("verifying policy bundle: no bundle key is pinned")
	}
	b, err := bundle.Verify(data, c.key, c.minRev)
	if err != nil {
		return err
	}
	set, err := prepare(b)
	if err != nil {
		return fmt.Errorf("preparing policy bundle revision %d: %w", b.Revision, err)
	}
	if store {
		if err := writeFileAtomic(filepath.Join(c.dir, BundleFileName), data); err != nil {
			return fmt.Errorf("caching policy bundle: %w", err)
		}
	}
	c.set, c.etag, c.minRev = set, b.ETag(), b.Revision
	return nil
}
