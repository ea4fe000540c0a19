package credential

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parapet/protocol"

	"github.com/zalando/go-keyring"
)

// bigCredential is a 3 KB credential, larger than the Windows Credential
// Manager (2560 bytes) and macOS Keychain (about 3000 bytes) hold through
// go-keyring.
var bigCredential = protocol.EnrollResponse{DeviceID: "dev-big", Credential: strings.Repeat("k", 3<<10)}

func newManager(t *testing.T, mode string, k Keyring) (*Manager, File) {
	t.Helper()
	f := File{Path: filepath.Join(t.TempDir(), "credential")}
	m, err := NewManager(mode, k, f, discard)
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

func TestManagerBigCredential(t *testing.T) {
	cases := []struct {
		name    string
		mode    string
		maxSize int
		kind    string
	}{
		{"keyring without limit", ModeAuto, 0, KindKeyring},
		{"keyring with 2560 byte limit", ModeAuto, 2560, KindFile},
		{"keyring only with limit", ModeKeyring, 2560, KindFile},
		{"file only", ModeFile, 0, KindFile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			keyring.MockInit()
			mocked = true
			k := Keyring{Account: "https://127.0.0.1:8443", MaxSize: c.maxSize}
			m, f := newManager(t, c.mode, k)
			if err := m.Save(bigCredential); err != nil {
				t.Fatalf("Save: %v", err)
			}
			if got := m.Kind(); got != c.kind {
				t.Errorf("got kind %q after Save, want %q", got, c.kind)
			}
			// A new manager, as after a restart, finds the credential.
			again, _ := NewManager(c.mode, k, f, discard)
			got, err := again.Load()
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got != bigCredential {
				t.Errorf("got credential of %d bytes, want the saved %d bytes", len(got.Credential), len(bigCredential.Credential))
			}
			if kind := again.Kind(); kind != c.kind {
				t.Errorf("got kind %q after Load, want %q", kind, c.kind)
			}
			_, statErr := os.Stat(f.Path)
			if fileUsed := statErr == nil; fileUsed != (c.kind == KindFile) {
				t.Errorf("got credential file present %v, want %v", fileUsed, c.kind == KindFile)
			}
		})
	}
}

func TestKeyringTooBigError(t *testing.T) {
	keyring.MockInitWithError(keyring.ErrSetDataTooBig)
	mocked = true
	err := Keyring{Account: "https://127.0.0.1:8443"}.Save(bigCredential)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

func TestManagerMovesBetweenStores(t *testing.T) {
	keyring.MockInit()
	mocked = true
	k := Keyring{Account: "https://127.0.0.1:8443", MaxSize: 2560}
	m, f := newManager(t, ModeAuto, k)
	if err := m.Save(bigCredential); err != nil {
		t.Fatal(err)
	}
	if err := m.Save(sample); err != nil {
		t.Fatal(err)
	}
	if got := m.Kind(); got != KindKeyring {
		t.Errorf("got kind %q for a small credential, want keyring", got)
	}
	if _, err := os.Stat(f.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v for the old credential file, want it deleted", err)
	}
	if err := m.Save(bigCredential); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Load(); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v from the keyring after moving to the file, want ErrNotFound", err)
	}
	got, err := m.Load()
	if err != nil || got != bigCredential {
		t.Errorf("got %d bytes, %v, want the big credential", len(got.Credential), err)
	}
}

func TestManagerAutoFallsBack(t *testing.T) {
	keyring.MockInitWithError(errors.New("no dbus"))
	mocked = true
	m, _ := newManager(t, ModeAuto, Keyring{Account: "https://127.0.0.1:8443"})
	if err := m.Save(sample); err != nil {
		t.Fatal(err)
	}
	if got := m.Kind(); got != KindFile {
		t.Errorf("got kind %q, want file", got)
	}
}

func TestManagerRejectsMode(t *testing.T) {
	_, err := NewManager("vault", Keyring{}, File{}, discard)
	if err == nil || !strings.Contains(err.Error(), "credential_store") {
		t.Errorf("got %v, want an error naming credential_store", err)
	}
}

type fixedRotator struct {
	next protocol.EnrollResponse
	err  error
	seen protocol.EnrollResponse
}

func (r *fixedRotator) Rotate(_ context.Context, current protocol.EnrollResponse) (protocol.EnrollResponse, error) {
	r.seen = current
	return r.next, r.err
}

func TestManagerRotate(t *testing.T) {
	rotated := protocol.EnrollResponse{DeviceID: sample.DeviceID, Credential: "secret-new"}
	cases := []struct {
		name   string
		next   protocol.EnrollResponse
		err    error
		fail   string
		stored protocol.EnrollResponse
	}{
		{"replaced", rotated, nil, "", rotated},
		{"server error", protocol.EnrollResponse{}, errors.New("503"), "503", sample},
		{"other device", protocol.EnrollResponse{DeviceID: "dev-2", Credential: "x"}, nil, "device", sample},
		{"empty credential", protocol.EnrollResponse{DeviceID: sample.DeviceID}, nil, "credential is empty", sample},
		{"same credential", sample, nil, "current credential", sample},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, f := newManager(t, ModeFile, Keyring{})
			if err := m.Save(sample); err != nil {
				t.Fatal(err)
			}
			r := &fixedRotator{next: c.next, err: c.err}
			_, err := m.Rotate(context.Background(), r)
			if c.fail == "" && err != nil {
				t.Errorf("got %v, want nil", err)
			}
			if c.fail != "" && (err == nil || !strings.Contains(err.Error(), c.fail)) {
				t.Errorf("got %v, want an error containing %q", err, c.fail)
			}
			if r.seen != sample {
				t.Errorf("rotator got %+v, want the stored credential", r.seen)
			}
			got, err := f.Load()
			if err != nil {
				t.Fatal(err)
			}
			if got != c.stored {
				t.Errorf("got stored %+v, want %+v", got, c.stored)
			}
		})
	}
}

func TestHTTPRotator(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != RotatePath {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+sample.Credential {
			http.Error(w, "unknown credential", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: sample.DeviceID, Credential: "secret-new"})
	}))
	defer srv.Close()
	h := &HTTPRotator{Client: srv.Client(), ServerURL: srv.URL}
	got, err := h.Rotate(context.Background(), sample)
	if err != nil {
		t.Fatal(err)
	}
	if got.Credential != "secret-new" {
		t.Errorf("got credential %q, want secret-new", got.Credential)
	}
	_, err = h.Rotate(context.Background(), protocol.EnrollResponse{DeviceID: "dev-1", Credential: "stale"})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("got %v, want an error naming status 401", err)
	}
}
