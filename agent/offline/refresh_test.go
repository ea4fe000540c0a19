package offline

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parapet/server/bundle"
)

// fakeServer serves the two bundle endpoints like parapet-server.
type fakeServer struct {
	key      ed25519.PrivateKey
	mu       sync.Mutex
	data     []byte
	etag     string
	revoked  bool
	notModif atomic.Int64
	fetches  atomic.Int64
}

func (f *fakeServer) setBundle(t *testing.T, revision int64) {
	data := signFile(t, "testdata/policies.yaml", revision, f.key)
	b, err := bundle.Verify(data, publicKey(f.key), 0)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.data, f.etag = data, b.ETag()
	f.mu.Unlock()
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer dev.secret" {
		http.Error(w, `{"error":"unknown credential"}`, http.StatusUnauthorized)
		return
	}
	if f.revoked {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"This device is no longer trusted by your organization. Contact IT.","code":"device_revoked"}`))
		return
	}
	switch r.URL.Path {
	case BundleKeyPath:
		pub := publicKey(f.key)
		json.NewEncoder(w).Encode(pinnedKey{Algorithm: "ed25519", KeyID: bundle.KeyID(pub), PublicKey: pub})
	case PolicyBundlePath:
		f.fetches.Add(1)
		w.Header().Set("ETag", f.etag)
		if r.Header.Get("If-None-Match") == f.etag {
			f.notModif.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(f.data)
	default:
		http.NotFound(w, r)
	}
}

func startRefresher(t *testing.T, fake *fakeServer, dir string) (*Refresher, *Cache, chan string) {
	t.Helper()
	srv := httptest.NewTLSServer(fake)
	t.Cleanup(srv.Close)
	cache, err := Open(dir, discard)
	if err != nil {
		t.Fatal(err)
	}
	revoked := make(chan string, 1)
	r := NewRefresher()
	r.Cache = cache
	r.Client = &Client{HTTP: srv.Client(), ServerURL: srv.URL}
	r.Credential = func() (string, error) { return "dev.secret", nil }
	r.OnRevoked = func(msg string) { revoked <- msg }
	r.Retry = 20 * time.Millisecond
	r.Log = discard
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r, cache, revoked
}

func waitRevision(t *testing.T, c *Cache, revision int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cur := c.Current(); cur != nil && cur.Revision == revision {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("cache did not reach revision %d", revision)
}

func TestRefresherPinsAndFetches(t *testing.T) {
	fake := &fakeServer{key: newKey(t)}
	fake.setBundle(t, 1)
	dir := t.TempDir()
	r, cache, _ := startRefresher(t, fake, dir)

	r.Notify(1)
	waitRevision(t, cache, 1)
	if !cache.Key().Equal(publicKey(fake.key)) {
		t.Error("server's key was not pinned")
	}

	fake.setBundle(t, 2)
	r.Notify(2)
	waitRevision(t, cache, 2)

	// The same revision again needs no fetch.
	before := fake.fetches.Load()
	r.Notify(2)
	time.Sleep(50 * time.Millisecond)
	if got := fake.fetches.Load(); got != before {
		t.Errorf("bundle fetched %d more times for a current revision", got-before)
	}
}

func TestRefresherSendsETag(t *testing.T) {
	fake := &fakeServer{key: newKey(t)}
	fake.setBundle(t, 1)
	r, cache, _ := startRefresher(t, fake, t.TempDir())
	r.Notify(1)
	waitRevision(t, cache, 1)
	// The server announces revision 2 but still serves revision 1, so the
	// agent's conditional request gets 304.
	r.Notify(2)
	deadline := time.Now().Add(5 * time.Second)
	for fake.notModif.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if fake.notModif.Load() == 0 {
		t.Fatal("no request carried the cached ETag")
	}
	if got := cache.Current().Revision; got != 1 {
		t.Errorf("revision = %d, want 1", got)
	}
}

func TestRefresherRejectsReplacedKey(t *testing.T) {
	dir := t.TempDir()
	first := &fakeServer{key: newKey(t)}
	first.setBundle(t, 1)
	r, cache, _ := startRefresher(t, first, dir)
	r.Notify(1)
	waitRevision(t, cache, 1)

	// A server with another signing key, as after a lost data folder.
	second := &fakeServer{key: newKey(t)}
	second.setBundle(t, 2)
	r2, cache2, _ := startRefresher(t, second, dir)
	r2.Notify(2)
	time.Sleep(100 * time.Millisecond)
	if got := cache2.Current().Revision; got != 1 {
		t.Errorf("revision = %d, want the pinned key's revision 1", got)
	}
	if !cache2.Key().Equal(publicKey(first.key)) {
		t.Error("pinned key was replaced by the server's new key")
	}
}

func TestRefresherReportsRevoked(t *testing.T) {
	fake := &fakeServer{key: newKey(t), revoked: true}
	fake.setBundle(t, 1)
	r, _, revoked := startRefresher(t, fake, t.TempDir())
	r.Notify(1)
	select {
	case msg := <-revoked:
		if msg != "This device is no longer trusted by your organization. Contact IT." {
			t.Errorf("message = %q", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("revocation not reported")
	}
}
