package filekeys

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parapet/agent/protect/parapetfile"
	"parapet/protocol"
)

const (
	testLabelID = "2096f6a2-d2f7-48be-b329-b73aaa526e5d"
	testTenant  = "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11"
)

func openKeys(t *testing.T) (*Keys, string) {
	t.Helper()
	dir := t.TempDir()
	k, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return k, dir
}

// protectFor writes a .parapet file for target and user and returns it
// with its detached age header.
func protectFor(t *testing.T, k *Keys, target, user string, plain []byte) ([]byte, []byte) {
	t.Helper()
	recipients, err := k.RecipientsFor(target, user)
	if err != nil {
		t.Fatalf("RecipientsFor: %v", err)
	}
	var file bytes.Buffer
	h := parapetfile.Header{OriginalName: "a.docx", LabelID: testLabelID, LabelTenant: testTenant, EncryptedFor: target}
	if err := parapetfile.Encrypt(&file, bytes.NewReader(plain), h, recipients); err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	p, err := parapetfile.Parse(bytes.NewReader(file.Bytes()), int64(file.Len()))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return file.Bytes(), p.AgeHeader
}

func allowAll(Access) bool { return true }

func TestKeysPersist(t *testing.T) {
	k, dir := openKeys(t)
	again, err := Open(dir)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	if got, want := again.OrgRecipient(), k.OrgRecipient(); got != want {
		t.Errorf("got org recipient %s after reopening, want %s", got, want)
	}
	u1, err := k.UserRecipient("alice")
	if err != nil {
		t.Fatal(err)
	}
	u2, err := again.UserRecipient("alice")
	if err != nil {
		t.Fatal(err)
	}
	if u1 != u2 {
		t.Errorf("got user recipient %s from the second Keys, want %s", u2, u1)
	}
}

func TestKeyFileModes(t *testing.T) {
	k, dir := openKeys(t)
	if _, err := k.UserRecipient("alice"); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "filekeys")
	users, _ := filepath.Glob(filepath.Join(root, "users", "*.agekey"))
	if len(users) != 1 {
		t.Fatalf("got %d user key files, want 1", len(users))
	}
	for path, want := range map[string]os.FileMode{
		root:                              0o700 | os.ModeDir,
		filepath.Join(root, "users"):      0o700 | os.ModeDir,
		filepath.Join(root, "org.agekey"): 0o600,
		users[0]:                          0o600,
	} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != want {
			t.Errorf("%s: got mode %v, want %v", path, info.Mode(), want)
		}
	}
}

func TestRecipientsFor(t *testing.T) {
	k, _ := openKeys(t)
	alice, err := k.UserRecipient("alice")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		target string
		want   []string
	}{
		{protocol.EncryptNone, nil},
		{protocol.EncryptOrg, []string{k.OrgRecipient()}},
		{protocol.EncryptUser, []string{alice}},
	}
	for _, c := range cases {
		got, err := k.RecipientsFor(c.target, "alice")
		if err != nil {
			t.Fatalf("%s: %v", c.target, err)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: got %v, want %v", c.target, got, c.want)
		}
	}
	if _, err := k.RecipientsFor("everyone", "alice"); err == nil {
		t.Error("got no error for an unknown target, want one")
	}
}

func TestUnwrapRoundTrip(t *testing.T) {
	cases := []struct {
		target, owner, requester string
		wantErr                  error
	}{
		{protocol.EncryptOrg, "alice", "bob", nil},
		{protocol.EncryptUser, "alice", "alice", nil},
		{protocol.EncryptUser, "alice", "bob", ErrNotRecipient},
	}
	for _, c := range cases {
		t.Run(c.target+"-"+c.requester, func(t *testing.T) {
			k, _ := openKeys(t)
			plain := []byte("quarterly numbers")
			file, header := protectFor(t, k, c.target, c.owner, plain)
			var seen Access
			key, err := k.UnwrapFileKey(header, c.requester, func(a Access) bool { seen = a; return true })
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("got error %v, want %v", err, c.wantErr)
			}
			if c.wantErr != nil {
				return
			}
			if seen.Target != c.target || seen.LabelID != testLabelID || seen.TenantID != testTenant || seen.User != c.requester {
				t.Errorf("got access %+v, want target %s, the test label and user %s", seen, c.target, c.requester)
			}
			unwrap := func(context.Context, []byte) ([]byte, error) { return key, nil }
			var got bytes.Buffer
			if _, err := parapetfile.Decrypt(context.Background(), &got, bytes.NewReader(file), int64(len(file)), unwrap); err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if got.String() != string(plain) {
				t.Errorf("got plaintext %q, want %q", got.String(), plain)
			}
		})
	}
}

func TestUnwrapDenied(t *testing.T) {
	k, _ := openKeys(t)
	_, header := protectFor(t, k, protocol.EncryptOrg, "alice", []byte("x"))
	_, err := k.UnwrapFileKey(header, "alice", func(Access) bool { return false })
	if !errors.Is(err, ErrDenied) {
		t.Errorf("got error %v, want ErrDenied", err)
	}
}

func TestUnwrapTamperedLabel(t *testing.T) {
	k, _ := openKeys(t)
	_, header := protectFor(t, k, protocol.EncryptOrg, "alice", []byte("x"))
	forged := bytes.Replace(header, []byte(testLabelID), []byte("00000000-0000-4000-8000-000000000000"), 1)
	if bytes.Equal(forged, header) {
		t.Fatal("label id not found in the header")
	}
	called := false
	_, err := k.UnwrapFileKey(forged, "alice", func(Access) bool { called = true; return true })
	if err == nil {
		t.Error("got no error for a header with a changed label, want one")
	}
	if called {
		t.Error("allowed was called for a header whose MAC fails")
	}
}

func TestUnwrapRejectsGarbage(t *testing.T) {
	k, _ := openKeys(t)
	for _, header := range [][]byte{nil, []byte("not an age header"), bytes.Repeat([]byte("a"), parapetfile.MaxHeaderSize+1)} {
		if _, err := k.UnwrapFileKey(header, "alice", allowAll); err == nil {
			t.Errorf("header of %d bytes: got no error, want one", len(header))
		}
	}
}
