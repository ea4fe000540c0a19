// Package policy keeps the last policy.update from the server, on disk as
// well, so the agent can decide by itself when the server is unreachable,
// also right after a restart.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"

	"parapet/protocol"
)

// Cache is the current policy update and its copy in a file.
type Cache struct {
	path string

	mu      sync.RWMutex
	current *protocol.PolicyUpdate
}

// Open returns a cache backed by the file at path and loads that file when
// it exists. A file that cannot be decoded or is invalid is an error, and
// the returned cache is still usable but empty.
func Open(path string) (*Cache, error) {
	c := &Cache{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("reading policy cache: %w", err)
	}
	var u protocol.PolicyUpdate
	if err := json.Unmarshal(data, &u); err != nil {
		return c, fmt.Errorf("decoding policy cache %s: %w", path, err)
	}
	if err := u.Validate(); err != nil {
		return c, fmt.Errorf("checking policy cache %s: %w", path, err)
	}
	c.current = &u
	return c, nil
}

// Current returns the cached update, or nil when there is none. Callers
// must not modify it.
func (c *Cache) Current() *protocol.PolicyUpdate {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.current
}

// Set stores u in memory and in the file. It returns changed=false, and
// writes nothing, when u equals the cached update.
func (c *Cache) Set(u *protocol.PolicyUpdate) (changed bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current != nil && reflect.DeepEqual(c.current, u) {
		return false, nil
	}
	c.current = u
	if err := writeAtomic(c.path, u); err != nil {
		return true, err
	}
	return true, nil
}

// Lookup returns the first cached app with a host pattern that matches
// host, as protocol.MatchHost defines it.
func (c *Cache) Lookup(host string) (protocol.App, bool) {
	cur := c.Current()
	if cur == nil {
		return protocol.App{}, false
	}
	for _, app := range cur.Apps {
		for _, pattern := range app.Hosts {
			if protocol.MatchHost(pattern, host) {
				return app, true
			}
		}
	}
	return protocol.App{}, false
}

func writeAtomic(path string, u *protocol.PolicyUpdate) error {
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encoding policy cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".policy-*")
	if err != nil {
		return fmt.Errorf("writing policy cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing policy cache: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing policy cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing policy cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming policy cache: %w", err)
	}
	return nil
}
