package offline

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"parapet/server/bundle"
)

func TestCacheSurvivesRestart(t *testing.T) {
	key := newKey(t)
	_, dir := openWithBundle(t, key)
	for _, name := range []string{KeyFileName, BundleFileName} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s mode = %04o, want 0600", name, mode)
		}
	}
	again, err := Open(dir, discard)
	if err != nil {
		t.Fatal(err)
	}
	if again.Current() == nil {
		t.Fatal("restarted cache has no bundle")
	}
	if got := again.Current().Revision; got != 3 {
		t.Errorf("revision = %d, want 3", got)
	}
	if !again.Key().Equal(publicKey(key)) {
		t.Error("restarted cache lost the pinned key")
	}
}

func TestCacheTamperedRejected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func([]byte) []byte
	}{
		{"policy text changed", func(b []byte) []byte {
			return bytes.Replace(b, []byte("Word documents cannot"), []byte("Word documents can   "), 1)
		}},
		{"revision changed", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"revision":3`), []byte(`"revision":9`), 1)
		}},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dir := openWithBundle(t, newKey(t))
			path := filepath.Join(dir, BundleFileName)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			changed := tc.tamper(data)
			if bytes.Equal(changed, data) {
				t.Fatal("tampering changed nothing")
			}
			if err := os.WriteFile(path, changed, 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Open(dir, discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.Current() != nil {
				t.Errorf("tampered bundle accepted as revision %d", c.Current().Revision)
			}
		})
	}
}

func TestCacheRejectsOtherKey(t *testing.T) {
	key := newKey(t)
	c, _ := openWithBundle(t, key)
	other := newKey(t)
	err := c.Accept(signFile(t, "testdata/policies.yaml", 4, other))
	if !errors.Is(err, bundle.ErrSignature) {
		t.Errorf("bundle of another key: err = %v, want ErrSignature", err)
	}
	if err := c.Pin(publicKey(other)); !errors.Is(err, ErrKeyChanged) {
		t.Errorf("pinning another key: err = %v, want ErrKeyChanged", err)
	}
	if !c.Key().Equal(publicKey(key)) {
		t.Error("pinned key was replaced")
	}
	if got := c.Current().Revision; got != 3 {
		t.Errorf("revision = %d after rejected bundle, want 3", got)
	}
}

func TestCacheRejectsOlderRevision(t *testing.T) {
	key := newKey(t)
	c, dir := openWithBundle(t, key)
	err := c.Accept(signFile(t, "testdata/policies.yaml", 2, key))
	if !errors.Is(err, bundle.ErrOutdated) {
		t.Errorf("older bundle: err = %v, want ErrOutdated", err)
	}
	if err := c.Accept(signFile(t, "testdata/policies.yaml", 5, key)); err != nil {
		t.Fatalf("newer bundle: %v", err)
	}
	again, err := Open(dir, discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Current().Revision; got != 5 {
		t.Errorf("revision after restart = %d, want 5", got)
	}
}
