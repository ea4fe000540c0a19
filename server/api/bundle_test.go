package api

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"parapet/server/bundle"
	"parapet/server/hub"
	"parapet/server/policy"
)

// bundleKey fetches and decodes GET /agent/v1/bundle-key.
func (s *testServer) bundleKey(t *testing.T, credential string) bundleKeyResponse {
	t.Helper()
	var key bundleKeyResponse
	if status := s.doJSON(t, "GET", BundleKeyPath, credential, "", &key); status != http.StatusOK {
		t.Fatalf("GET bundle-key: got status %d, want 200", status)
	}
	return key
}

func TestPolicyBundleVerifies(t *testing.T) {
	s := startServer(t)
	credential := s.enroll(t).Credential
	key := s.bundleKey(t, credential)
	if key.Algorithm != "ed25519" || len(key.PublicKey) != ed25519.PublicKeySize {
		t.Fatalf("got key %+v, want a 32-byte ed25519 key", key)
	}
	if key.KeyID != bundle.KeyID(key.PublicKey) {
		t.Errorf("got key id %q, want %q", key.KeyID, bundle.KeyID(key.PublicKey))
	}

	status, header, data := s.do(t, "GET", PolicyBundlePath, credential, "")
	if status != http.StatusOK {
		t.Fatalf("GET policy-bundle: got status %d (%s), want 200", status, data)
	}
	b, err := bundle.Verify(data, key.PublicKey, 7)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if b.Revision != 7 {
		t.Errorf("got revision %d, want 7", b.Revision)
	}
	if header.Get("ETag") != b.ETag() {
		t.Errorf("got ETag %q, want %q", header.Get("ETag"), b.ETag())
	}
	set, err := b.PolicySet()
	if err != nil {
		t.Fatal(err)
	}
	if app := set.AppForHost("127.0.0.1:8080"); app == nil || app.ID != "filestore" {
		t.Errorf("got app %v, want filestore from the server's policies", app)
	}
	if _, err := bundle.Verify(data, key.PublicKey, 8); !errors.Is(err, bundle.ErrOutdated) {
		t.Errorf("Verify with a newer accepted revision: got %v, want ErrOutdated", err)
	}
}

func TestPolicyBundleNotModified(t *testing.T) {
	s := startServer(t)
	credential := s.enroll(t).Credential
	_, header, first := s.do(t, "GET", PolicyBundlePath, credential, "")
	etag := header.Get("ETag")
	if etag == "" {
		t.Fatal("got no ETag")
	}
	tests := []struct {
		name, ifNoneMatch string
		want              int
	}{
		{"current", etag, http.StatusNotModified},
		{"weak current", "W/" + etag, http.StatusNotModified},
		{"in a list", `"0-0000", ` + etag, http.StatusNotModified},
		{"any", "*", http.StatusNotModified},
		{"other", `"6-0011223344556677"`, http.StatusOK},
	}
	for _, tt := range tests {
		status, _, body := s.do(t, "GET", PolicyBundlePath, credential, "", "If-None-Match", tt.ifNoneMatch)
		if status != tt.want {
			t.Errorf("%s: got status %d, want %d", tt.name, status, tt.want)
		}
		if status == http.StatusOK && string(body) != string(first) {
			t.Errorf("%s: got another bundle for the same revision, want the cached bytes", tt.name)
		}
	}

	set, err := policy.Parse("new.yaml", []byte("apps:\n  - id: wiki\n    hosts: [\"*.wiki.corp.test\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.hub.SetPolicies(hub.Policies{Set: set, Revision: 8})
	status, header, data := s.do(t, "GET", PolicyBundlePath, credential, "", "If-None-Match", etag)
	if status != http.StatusOK {
		t.Fatalf("after a policy change: got status %d, want 200", status)
	}
	if header.Get("ETag") == etag {
		t.Errorf("got the old ETag %s after a policy change", etag)
	}
	var b bundle.Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if b.Revision != 8 {
		t.Errorf("got revision %d, want 8", b.Revision)
	}
}

func TestBundleEndpointsNeedDevice(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	for _, path := range []string{BundleKeyPath, PolicyBundlePath} {
		for name, token := range map[string]string{"none": "", "admin token": adminToken, "wrong secret": enrolled.DeviceID + ".AAAA"} {
			if status, _, _ := s.do(t, "GET", path, token, ""); status != http.StatusUnauthorized {
				t.Errorf("%s with %s: got status %d, want 401", path, name, status)
			}
		}
	}
}

func TestBundleWithoutKey(t *testing.T) {
	s := startServer(t, func(c *Config) { c.BundleKey = nil })
	credential := s.enroll(t).Credential
	for _, path := range []string{BundleKeyPath, PolicyBundlePath} {
		if status, _, _ := s.do(t, "GET", path, credential, ""); status != http.StatusServiceUnavailable {
			t.Errorf("%s: got status %d, want 503", path, status)
		}
	}
}
