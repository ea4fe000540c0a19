package api

import (
	"crypto/ed25519"
	"net/http"
	"strings"
	"sync"
	"time"

	"parapet/server/bundle"
	"parapet/server/hub"
)

// bundleKeyResponse is the body of GET /agent/v1/bundle-key.
type bundleKeyResponse struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	// PublicKey is the standard base64 encoding of the 32-byte key.
	PublicKey []byte `json:"public_key"`
}

// bundleCache holds the signed bundle of one policy revision, so every
// agent gets the same bytes, issue time and ETag until the policies change.
type bundleCache struct {
	mu       sync.Mutex
	revision int64
	digest   string
	data     []byte
	etag     string
}

// get returns the bundle of p, signing it with key when the cached one is
// of another revision or set.
func (c *bundleCache) get(p hub.Policies, key ed25519.PrivateKey) (data []byte, etag string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data != nil && c.revision == p.Revision && c.digest == p.Set.Digest {
		return c.data, c.etag, nil
	}
	data, b, err := bundle.Sign(p.Set, p.Revision, time.Now(), key)
	if err != nil {
		return nil, "", err
	}
	c.revision, c.digest, c.data, c.etag = p.Revision, p.Set.Digest, data, b.ETag()
	return c.data, c.etag, nil
}

func (s *server) handleBundleKey(w http.ResponseWriter, r *http.Request) {
	if s.BundleKey == nil {
		writeError(w, http.StatusServiceUnavailable, "this server has no policy bundle signing key")
		return
	}
	public := s.BundleKey.Public().(ed25519.PublicKey)
	writeJSON(w, http.StatusOK, bundleKeyResponse{Algorithm: "ed25519", KeyID: bundle.KeyID(public), PublicKey: public})
}

func (s *server) handlePolicyBundle(w http.ResponseWriter, r *http.Request) {
	if s.BundleKey == nil {
		writeError(w, http.StatusServiceUnavailable, "this server has no policy bundle signing key")
		return
	}
	current := s.Hub.Policies()
	data, etag, err := s.bundles.get(current, s.BundleKey)
	if err != nil {
		s.log.Error("signing policy bundle", "revision", current.Revision, "error", err)
		writeError(w, http.StatusInternalServerError, "signing the policy bundle failed")
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// etagMatches reports whether an If-None-Match header lists etag or is
// "*". Weak tags compare by their opaque part, as RFC 9110 section 13.1.2
// requires for If-None-Match.
func etagMatches(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}
