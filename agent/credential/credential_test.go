package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"parapet/protocol"

	"github.com/zalando/go-keyring"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

var sample = protocol.EnrollResponse{DeviceID: "dev-1", Credential: "secret-abc"}

// mocked is set once a test replaces the real keyring with go-keyring's
// mock, which cannot be undone within the test binary.
var mocked bool

func TestFileRoundTrip(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "credential")}
	if _, err := f.Load(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v before Save, want ErrNotFound", err)
	}
	if err := f.Save(sample); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("got mode %04o, want 0600", perm)
	}
	got, err := f.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got != sample {
		t.Errorf("got %+v, want %+v", got, sample)
	}
}

func TestFileRejectsReadableByOthers(t *testing.T) {
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660} {
		f := File{Path: filepath.Join(t.TempDir(), "credential")}
		if err := f.Save(sample); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(f.Path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := f.Load()
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: got %v, want an error telling to chmod 600", mode, err)
		}
	}
}

func TestFileRejectsGarbage(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "credential")}
	if err := os.WriteFile(f.Path, []byte("secret-in-plain-text"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := f.Load()
	if err == nil {
		t.Fatal("got nil, want an error")
	}
	if strings.Contains(err.Error(), "secret-in-plain-text") {
		t.Errorf("error %q quotes the stored secret", err)
	}
}

// TestSelectRealKeyring runs against this machine's real keyring: where it
// has no keyring service, Select must fall back to the file.
func TestSelectRealKeyring(t *testing.T) {
	if mocked {
		t.Skip("the keyring mock is installed")
	}
	primary := Keyring{Account: "https://127.0.0.1:1/select-test"}
	_, probe := primary.Load()
	fallback := File{Path: filepath.Join(t.TempDir(), "credential")}
	got := Select(primary, fallback, discard)
	if probe == nil || errors.Is(probe, ErrNotFound) {
		if got != Store(primary) {
			t.Errorf("keyring works but Select returned %s", got.Name())
		}
		return
	}
	if got != Store(fallback) {
		t.Errorf("keyring fails (%v) but Select returned %s, want the file", probe, got.Name())
	}
}

func TestSelectLogsOneWarning(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	fallback := File{Path: filepath.Join(t.TempDir(), "credential")}
	got := Select(brokenStore{}, fallback, log)
	if got != Store(fallback) {
		t.Errorf("got %s, want the fallback", got.Name())
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 {
		t.Errorf("got %d warnings, want 1:\n%s", n, buf.String())
	}
}

type brokenStore struct{}

func (brokenStore) Name() string { return "broken" }
func (brokenStore) Load() (protocol.EnrollResponse, error) {
	return protocol.EnrollResponse{}, errors.New("no dbus")
}
func (brokenStore) Save(protocol.EnrollResponse) error { return errors.New("no dbus") }

func TestKeyringMock(t *testing.T) {
	keyring.MockInit()
	mocked = true
	k := Keyring{Account: "https://127.0.0.1:8443"}
	if _, err := k.Load(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v before Save, want ErrNotFound", err)
	}
	if err := k.Save(sample); err != nil {
		t.Fatal(err)
	}
	got, err := k.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got != sample {
		t.Errorf("got %+v, want %+v", got, sample)
	}
	other := Keyring{Account: "https://127.0.0.2:8443"}
	if _, err := other.Load(); !errors.Is(err, ErrNotFound) {
		t.Errorf("other account: got %v, want ErrNotFound", err)
	}
	if s := Select(k, File{Path: "/nonexistent"}, discard); s != Store(k) {
		t.Errorf("Select returned %s, want the working keyring", s.Name())
	}
}

func enrollServer(t *testing.T, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req protocol.EnrollRequest
		if r.URL.Path != protocol.EnrollPath || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Token != "good-token" {
			http.Error(w, "invalid enrollment token", http.StatusUnauthorized)
			return
		}
		if req.User != "alice" || req.HostID != "host-1" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(sample)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestObtainEnrollsOnce(t *testing.T) {
	var calls atomic.Int32
	srv := enrollServer(t, &calls)
	store := File{Path: filepath.Join(t.TempDir(), "credential")}
	e := &Enroller{Client: srv.Client(), ServerURL: srv.URL,
		Request: protocol.EnrollRequest{Token: "good-token", User: "alice", Hostname: "h", HostID: "host-1"}}

	for i := range 2 {
		got, err := Obtain(context.Background(), store, e)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if got != sample {
			t.Errorf("call %d: got %+v, want %+v", i, got, sample)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("got %d enroll requests, want 1", n)
	}
}

func TestEnrollRejected(t *testing.T) {
	var calls atomic.Int32
	srv := enrollServer(t, &calls)
	e := &Enroller{Client: srv.Client(), ServerURL: srv.URL,
		Request: protocol.EnrollRequest{Token: "bad-token", User: "alice", HostID: "host-1"}}
	_, err := e.Enroll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("got %v, want an error naming status 401", err)
	}
	if err != nil && strings.Contains(err.Error(), "bad-token") {
		t.Errorf("error %q contains the token", err)
	}
}

func TestEnrollNeedsToken(t *testing.T) {
	e := &Enroller{Client: http.DefaultClient, ServerURL: "https://127.0.0.1:1"}
	_, err := e.Enroll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "PARAPET_ENROLL_TOKEN") {
		t.Errorf("got %v, want an error naming PARAPET_ENROLL_TOKEN", err)
	}
}
