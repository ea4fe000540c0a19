package offline

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"parapet/protocol"
	"parapet/server/bundle"
	"parapet/server/policy"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func publicKey(key ed25519.PrivateKey) ed25519.PublicKey { return key.Public().(ed25519.PublicKey) }

// signFile signs the policy file at path as revision with key.
func signFile(t *testing.T, path string, revision int64, key ed25519.PrivateKey) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return signYAML(t, data, revision, key)
}

func signYAML(t *testing.T, yaml []byte, revision int64, key ed25519.PrivateKey) []byte {
	t.Helper()
	set, err := policy.Parse("test policies", yaml)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := bundle.Sign(set, revision, time.Now(), key)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// openWithBundle returns a cache in a new folder that pinned key and
// accepted the test policies as revision 3.
func openWithBundle(t *testing.T, key ed25519.PrivateKey) (*Cache, string) {
	t.Helper()
	dir := t.TempDir()
	c, err := Open(dir, discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Pin(publicKey(key)); err != nil {
		t.Fatal(err)
	}
	if err := c.Accept(signFile(t, "testdata/policies.yaml", 3, key)); err != nil {
		t.Fatal(err)
	}
	return c, dir
}

func download(host, name string) *protocol.ActionRequest {
	return &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: host,
		PageURL: "https://" + host + "/", File: &protocol.FileInfo{Name: name, Size: 10}, TabID: 1}
}
