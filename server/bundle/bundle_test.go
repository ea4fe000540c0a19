package bundle

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"parapet/server/policy"
)

const testPolicies = `apps:
  - id: filestore
    hosts: ["127.0.0.1:8080"]
    sensitive: true
policies:
  - id: block-docx
    apps: [filestore]
    activities: [download]
    files: ["*.docx"]
    decision: block
`

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func signTest(t *testing.T, key ed25519.PrivateKey, revision int64) []byte {
	t.Helper()
	set, err := policy.Parse("policies.yaml", []byte(testPolicies))
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := Sign(set, revision, time.Date(2026, 12, 3, 10, 0, 0, 500, time.UTC), key)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVerifySigned(t *testing.T) {
	key := newKey(t)
	data := signTest(t, key, 7)
	b, err := Verify(data, key.Public().(ed25519.PublicKey), 7)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if b.Revision != 7 {
		t.Errorf("got revision %d, want 7", b.Revision)
	}
	if !b.IssuedAt.Equal(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("got issued_at %v, want it truncated to 10:00:00", b.IssuedAt)
	}
	set, err := b.PolicySet()
	if err != nil {
		t.Fatalf("PolicySet: %v", err)
	}
	if app := set.AppForHost("127.0.0.1:8080"); app == nil || app.ID != "filestore" {
		t.Errorf("got app %v for 127.0.0.1:8080, want filestore", app)
	}
}

// TestVerifyEveryByteChanged flips each byte of the signed message's
// inputs: every change must fail, either to decode or to verify.
func TestVerifyEveryByteChanged(t *testing.T) {
	key := newKey(t)
	public := key.Public().(ed25519.PublicKey)
	data := signTest(t, key, 7)
	for i := range data {
		changed := append([]byte(nil), data...)
		changed[i] ^= 0x01
		if _, err := Verify(changed, public, 0); err == nil {
			var b Bundle
			// A flip inside JSON syntax that decodes to the same values,
			// such as the case of an escape letter, is not a change.
			if json.Unmarshal(changed, &b) == nil && sameBundle(t, data, &b) {
				continue
			}
			t.Errorf("byte %d (%q) changed: got no error", i, data[i])
		}
	}
}

func sameBundle(t *testing.T, original []byte, b *Bundle) bool {
	t.Helper()
	var o Bundle
	if err := json.Unmarshal(original, &o); err != nil {
		t.Fatal(err)
	}
	return o.KeyID == b.KeyID && o.Revision == b.Revision && o.IssuedAt.Equal(b.IssuedAt) &&
		o.Policies == b.Policies && string(o.Signature) == string(b.Signature) && o.Format == b.Format
}

func TestVerifyRejects(t *testing.T) {
	key := newKey(t)
	public := key.Public().(ed25519.PublicKey)
	data := signTest(t, key, 7)
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	edit := func(name string, value any) []byte {
		copied := map[string]any{}
		for k, v := range fields {
			copied[k] = v
		}
		copied[name] = value
		out, err := json.Marshal(copied)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name        string
		data        []byte
		key         ed25519.PublicKey
		minRevision int64
		want        error
	}{
		{"wrong key", data, newKey(t).Public().(ed25519.PublicKey), 0, ErrSignature},
		{"old revision", data, public, 8, ErrOutdated},
		{"policies changed", edit("policies", strings.Replace(fields["policies"].(string), "block", "allow", 1)), public, 0, ErrSignature},
		{"revision raised", edit("revision", 9), public, 0, ErrSignature},
		{"time changed", edit("issued_at", "2026-12-04T10:00:00Z"), public, 0, ErrSignature},
		{"key id of other key", edit("key_id", "0011223344556677"), public, 0, ErrSignature},
		{"fraction of a second", edit("issued_at", "2026-12-03T10:00:00.5Z"), public, 0, ErrInvalid},
		{"format unknown", edit("format", "parapet-policy-bundle-v2"), public, 0, ErrInvalid},
		{"revision zero", edit("revision", 0), public, 0, ErrInvalid},
		{"signature short", edit("signature", "AAAA"), public, 0, ErrInvalid},
		{"unknown field", edit("extra", true), public, 0, ErrInvalid},
		{"trailing data", append(append([]byte(nil), data...), []byte(" {}")...), public, 0, ErrInvalid},
		{"too large", make([]byte, MaxSize+1), public, 0, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.data, tt.key, tt.minRevision)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyReencodedJSON(t *testing.T) {
	key := newKey(t)
	data := signTest(t, key, 3)
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	indented, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(indented, key.Public().(ed25519.PublicKey), 0); err != nil {
		t.Errorf("re-encoded bundle: got %v, want it to verify", err)
	}
}

func TestETagChangesWithPolicies(t *testing.T) {
	a := &Bundle{Revision: 7, Policies: "apps: []\n"}
	b := &Bundle{Revision: 7, Policies: "apps: [x]\n"}
	c := &Bundle{Revision: 8, Policies: "apps: []\n"}
	if a.ETag() == b.ETag() {
		t.Errorf("got equal ETags %s for different policies", a.ETag())
	}
	if a.ETag() == c.ETag() {
		t.Errorf("got equal ETags %s for different revisions", a.ETag())
	}
	if !strings.HasPrefix(a.ETag(), `"7-`) {
		t.Errorf("got ETag %s, want it to start with \"7-", a.ETag())
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFileName)
	first, created, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Error("first call: got created false, want true")
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("got mode %04o, want 0600", info.Mode().Perm())
	}
	again, created, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Error("second call: got created true, want false")
	}
	if !first.Equal(again) {
		t.Error("second call returned another key, want the stored one")
	}
}

func TestLoadKeyRejects(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not checked on Windows")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFileName)
	if _, _, err := LoadOrCreateKey(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readable key: got %v, want an error naming chmod 600", err)
	}
	garbage := filepath.Join(dir, "garbage.key")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(garbage); err == nil || !strings.Contains(err.Error(), "PEM") {
		t.Errorf("garbage key: got %v, want a PEM error", err)
	}
}
