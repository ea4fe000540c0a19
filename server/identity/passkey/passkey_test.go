package passkey_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"parapet/server/identity"
	"parapet/server/identity/memory"
	"parapet/server/identity/passkey"
)

var ana = identity.User{ID: "usr_ana", Email: "ana@example.org", Name: "Ana"}

func newService(t *testing.T) (*passkey.Service, *memory.Store) {
	t.Helper()
	store := &memory.Store{}
	s, err := passkey.New(passkey.Config{RPID: "localhost", RPDisplayName: "Parapet",
		Origins: []string{"https://localhost:8443"}, Timeout: time.Minute}, store)
	if err != nil {
		t.Fatal(err)
	}
	return s, store
}

func TestBeginRegistrationOptions(t *testing.T) {
	s, store := newService(t)
	existing := webauthn.Credential{ID: []byte("cred-1"), PublicKey: []byte("key")}
	if err := store.AddWebAuthnCredential(context.Background(), ana.ID, existing); err != nil {
		t.Fatal(err)
	}
	options, id, err := s.BeginRegistration(context.Background(), ana)
	if err != nil {
		t.Fatal(err)
	}
	pk := options.Response
	if pk.RelyingParty.ID != "localhost" || pk.RelyingParty.Name != "Parapet" {
		t.Errorf("got RP %+v, want localhost named Parapet", pk.RelyingParty)
	}
	userID, _ := pk.User.ID.(protocol.URLEncodedBase64)
	if !bytes.Equal(userID, []byte(ana.ID)) || pk.User.Name != ana.Email {
		t.Errorf("got user %+v, want id %q and name %q", pk.User, ana.ID, ana.Email)
	}
	if len(pk.Challenge) < 16 {
		t.Errorf("got a %d-byte challenge, want at least 16", len(pk.Challenge))
	}
	if len(pk.CredentialExcludeList) != 1 || !bytes.Equal(pk.CredentialExcludeList[0].CredentialID, existing.ID) {
		t.Errorf("got exclude list %+v, want the existing credential", pk.CredentialExcludeList)
	}
	if !strings.HasPrefix(id, "wac_") {
		t.Errorf("got ceremony id %q, want the wac_ prefix", id)
	}
}

func TestCeremonyIsSingleUseAndBound(t *testing.T) {
	tests := []struct {
		name string
		run  func(s *passkey.Service, id string) error
	}{
		{"other user", func(s *passkey.Service, id string) error {
			_, err := s.FinishRegistration(context.Background(), identity.User{ID: "usr_eve"}, id, badBody())
			return err
		}},
		{"unknown id", func(s *passkey.Service, _ string) error {
			_, err := s.FinishRegistration(context.Background(), ana, "wac_unknown", badBody())
			return err
		}},
		{"registration id used for assertion", func(s *passkey.Service, id string) error {
			return s.FinishAssertion(context.Background(), ana, id, badBody())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newService(t)
			_, id, err := s.BeginRegistration(context.Background(), ana)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.run(s, id); !errors.Is(err, passkey.ErrUnknownCeremony) {
				t.Errorf("got %v, want ErrUnknownCeremony", err)
			}
		})
	}
}

func TestFinishRegistrationRejectsInvalidResponse(t *testing.T) {
	s, store := newService(t)
	_, id, err := s.BeginRegistration(context.Background(), ana)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.FinishRegistration(context.Background(), ana, id, badBody())
	if err == nil || errors.Is(err, passkey.ErrUnknownCeremony) {
		t.Errorf("got %v, want a verification error", err)
	}
	if _, err := s.FinishRegistration(context.Background(), ana, id, badBody()); !errors.Is(err, passkey.ErrUnknownCeremony) {
		t.Errorf("second finish: got %v, want ErrUnknownCeremony", err)
	}
	if creds, _ := store.WebAuthnCredentials(context.Background(), ana.ID); len(creds) != 0 {
		t.Errorf("got %d stored credentials, want 0", len(creds))
	}
}

func TestCeremonyExpires(t *testing.T) {
	s, _ := newService(t)
	now := time.Now()
	s.Now = func() time.Time { return now }
	_, id, err := s.BeginRegistration(context.Background(), ana)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := s.FinishRegistration(context.Background(), ana, id, badBody()); !errors.Is(err, passkey.ErrUnknownCeremony) {
		t.Errorf("after the timeout: got %v, want ErrUnknownCeremony", err)
	}
}

func TestBeginAssertion(t *testing.T) {
	s, store := newService(t)
	if _, _, err := s.BeginAssertion(context.Background(), ana); !errors.Is(err, passkey.ErrNoCredentials) {
		t.Errorf("no credentials: got %v, want ErrNoCredentials", err)
	}
	cred := webauthn.Credential{ID: []byte("cred-1"), PublicKey: []byte("key")}
	if err := store.AddWebAuthnCredential(context.Background(), ana.ID, cred); err != nil {
		t.Fatal(err)
	}
	options, id, err := s.BeginAssertion(context.Background(), ana)
	if err != nil {
		t.Fatal(err)
	}
	pk := options.Response
	if pk.RelyingPartyID != "localhost" || len(pk.AllowedCredentials) != 1 || !bytes.Equal(pk.AllowedCredentials[0].CredentialID, cred.ID) {
		t.Errorf("got RP %q and allowed %+v, want localhost and cred-1", pk.RelyingPartyID, pk.AllowedCredentials)
	}
	if err := s.FinishAssertion(context.Background(), ana, id, badBody()); err == nil || errors.Is(err, passkey.ErrUnknownCeremony) {
		t.Errorf("invalid assertion: got %v, want a verification error", err)
	}
}

// badBody returns a request whose body is JSON but no PublicKeyCredential.
func badBody() *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"id":"x","type":"public-key"}`))
	r.Header.Set("Content-Type", "application/json")
	return r
}
