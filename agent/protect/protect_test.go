package protect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/xattr"

	"parapet/agent/label"
	"parapet/agent/protect/parapetfile"
	"parapet/agent/watch"
	"parapet/protocol"
	"parapet/server/filekeys"
)

// runWatched runs a real download watcher over a new folder and the
// Protector on its events, and returns the folder.
func runWatched(t *testing.T, f *fixture) string {
	t.Helper()
	dir := t.TempDir()
	w, err := watch.New(watch.Config{Dirs: []string{dir}, Stable: 50 * time.Millisecond, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { w.Run(ctx); done <- struct{}{} }()
	go func() { f.p.Run(ctx, w.Events()); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return dir
}

// browserSave writes data the way a browser does: under a temporary name,
// then renamed into place, with the origin attribute Chromium sets on
// Linux when origin is not empty.
func browserSave(t *testing.T, dir, name, origin string, data []byte) string {
	t.Helper()
	part := filepath.Join(dir, name+".crdownload")
	if err := os.WriteFile(part, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		if err := xattr.Set(part, "user.xdg.origin.url", []byte(origin)); err != nil {
			t.Skipf("extended attributes unsupported here: %v", err)
		}
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(part, final); err != nil {
		t.Fatal(err)
	}
	return final
}

func waitUpdate(t *testing.T, s *recordingSender) protocol.ActivityUpdate {
	t.Helper()
	select {
	case <-s.sent:
	case <-time.After(10 * time.Second):
		t.Fatal("no activity update sent within 10s")
	}
	got := s.delivered()
	return got[len(got)-1]
}

func fixtureBytes(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "label", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readLabel(t *testing.T, path string) label.Entry {
	t.Helper()
	res, err := label.Read(path)
	if err != nil {
		t.Fatalf("label.Read(%s): %v", path, err)
	}
	e, ok := res.Effective()
	if !ok {
		t.Fatalf("%s has no label", path)
	}
	return e
}

func TestProtectLabelByOrigin(t *testing.T) {
	f := newFixture(t)
	dir := runWatched(t, f)
	url := "https://files.corp.test/dl/77"
	// The verdict names another file, so only the origin URL can match.
	f.p.Expect(download("server-name.docx", url), protectVerdict("ev-label", protocol.EncryptNone))
	path := browserSave(t, dir, "q3-forecast.docx", url, fixtureBytes(t, "05_unlabeled.docx"))

	u := waitUpdate(t, f.sender)
	if u.EventID != "ev-label" || u.Encrypted != protocol.EncryptNone || u.FileName != "q3-forecast.docx" {
		t.Errorf("got update %+v, want event ev-label, encrypted none, file q3-forecast.docx", u)
	}
	if u.Label == nil || *u.Label != testLabel {
		t.Errorf("got update label %+v, want %+v", u.Label, testLabel)
	}
	e := readLabel(t, path)
	if e.ID != testLabelID || e.TenantID != testTenant {
		t.Errorf("got label %s of tenant %s, want %s of %s", e.ID, e.TenantID, testLabelID, testTenant)
	}
	digest, err := label.FileDigest(path)
	if err != nil {
		t.Fatal(err)
	}
	if digest != u.SHA256 {
		t.Errorf("got update sha256 %s, want the stored file's %s", u.SHA256, digest)
	}
	if rec, ok := f.ledger.Lookup(digest); !ok || rec.Label.ID != testLabelID {
		t.Errorf("got ledger record %+v, %v, want the test label", rec, ok)
	}
	if n := f.p.Pending(); n != 0 {
		t.Errorf("got %d pending verdicts, want 0", n)
	}
}

func TestProtectEncryptUniquified(t *testing.T) {
	f := newFixture(t)
	keys, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := runWatched(t, f)
	f.p.Expect(download("q3-forecast.docx", ""), protectVerdict("ev-enc", protocol.EncryptOrg, keys.OrgRecipient()))
	plainPath := browserSave(t, dir, "q3-forecast (1).docx", "", fixtureBytes(t, "05_unlabeled.docx"))

	u := waitUpdate(t, f.sender)
	stored := filepath.Join(dir, "q3-forecast (1).docx.parapet")
	if u.FileName != filepath.Base(stored) || u.Encrypted != protocol.EncryptOrg {
		t.Errorf("got update file %q encrypted %q, want %q encrypted org", u.FileName, u.Encrypted, filepath.Base(stored))
	}
	if _, err := os.Stat(plainPath); !os.IsNotExist(err) {
		t.Errorf("plaintext still present: stat error %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("got folder entries %v, want only the .parapet file", names)
	}
	digest, err := label.FileDigest(stored)
	if err != nil {
		t.Fatal(err)
	}
	if digest != u.SHA256 {
		t.Errorf("got update sha256 %s, want %s", u.SHA256, digest)
	}
	if _, ok := f.ledger.Lookup(digest); !ok {
		t.Error("stored .parapet file not in the ledger")
	}

	info, err := Show(stored)
	if err != nil {
		t.Fatalf("Show: %v", err)
	}
	if info.Label == nil || *info.Label != testLabel || info.Encrypted != protocol.EncryptOrg || info.LabelSource != SourcePreamble {
		t.Errorf("got Show %+v, want the test label, encrypted org, from the preamble", info)
	}

	unwrap := func(_ context.Context, header []byte) ([]byte, error) {
		return keys.UnwrapFileKey(header, "alice", func(filekeys.Access) bool { return true })
	}
	opened, err := Open(context.Background(), stored, "", unwrap)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if opened != plainPath {
		t.Errorf("got opened path %s, want %s", opened, plainPath)
	}
	e := readLabel(t, opened)
	if e.ID != testLabelID {
		t.Errorf("got decrypted file label %s, want %s", e.ID, testLabelID)
	}
	plainDigest, err := label.FileDigest(opened)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.ledger.Lookup(plainDigest); !ok {
		t.Error("decrypted file's digest not in the ledger, so its upload would not be recognized")
	}
}

func TestOpenRefusesExisting(t *testing.T) {
	f := newFixture(t)
	id := newIdentity(t)
	dir := t.TempDir()
	path := copyFixture(t, "05_unlabeled.docx", dir, "a.docx")
	f.p.Expect(download("a.docx", ""), protectVerdict("ev-x", protocol.EncryptUser, id.Recipient().String()))
	res, ok := f.p.Handle(context.Background(), watch.Ready{Path: path})
	if !ok {
		t.Fatal("Handle did not protect the file")
	}
	if err := os.WriteFile(path, []byte("new file"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), res.Path, "", parapetfile.IdentityUnwrapper(id))
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("got error %v, want one saying the destination exists", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "new file" {
		t.Errorf("existing file changed to %d bytes", len(data))
	}
}

func TestOpenWrongKeyLeavesNothing(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	path := copyFixture(t, "05_unlabeled.docx", dir, "a.docx")
	f.p.Expect(download("a.docx", ""), protectVerdict("ev-y", protocol.EncryptOrg, newIdentity(t).Recipient().String()))
	res, ok := f.p.Handle(context.Background(), watch.Ready{Path: path})
	if !ok {
		t.Fatal("Handle did not protect the file")
	}
	if _, err := Open(context.Background(), res.Path, "", parapetfile.IdentityUnwrapper(newIdentity(t))); err == nil {
		t.Fatal("got no error with the wrong key, want one")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("got %d folder entries after a failed open, want 1", len(entries))
	}
}

func TestShowPlainLabeled(t *testing.T) {
	path := copyFixture(t, "01_label_customprops.docx", t.TempDir(), "a.docx")
	info, err := Show(path)
	if err != nil {
		t.Fatalf("Show: %v", err)
	}
	if info.Label == nil || info.Encrypted != protocol.EncryptNone || info.Parapet != nil {
		t.Errorf("got %+v, want a label, encrypted none and no preamble", info)
	}
}

func TestUpdateRetriedAfterOffline(t *testing.T) {
	f := newFixture(t)
	f.sender.setOffline(true)
	path := copyFixture(t, "05_unlabeled.docx", t.TempDir(), "a.docx")
	f.p.Expect(download("a.docx", ""), protectVerdict("ev:offline", protocol.EncryptNone))
	if _, ok := f.p.Handle(context.Background(), watch.Ready{Path: path}); !ok {
		t.Fatal("Handle did not protect the file")
	}
	f.p.outbox.deliver(context.Background())
	if n := len(f.sender.delivered()); n != 0 {
		t.Fatalf("got %d updates delivered while offline, want 0", n)
	}

	// A restarted agent finds the update in the outbox.
	f.sender.setOffline(false)
	again, err := New(Config{Ledger: f.ledger, Sender: f.sender, OutboxDir: filepath.Join(f.state, "updates"), Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	again.outbox.deliver(context.Background())
	got := f.sender.delivered()
	if len(got) != 1 || got[0].EventID != "ev:offline" {
		t.Fatalf("got updates %+v, want the one for ev:offline", got)
	}
	_, wantID := updateKey("ev:offline")
	if f.sender.ids[0] != wantID {
		t.Errorf("got envelope id %s, want %s", f.sender.ids[0], wantID)
	}
	left, _ := filepath.Glob(filepath.Join(f.state, "updates", "*.json"))
	if len(left) != 0 {
		t.Errorf("got %d updates left in the outbox, want 0", len(left))
	}
}

func TestOwnOutputIgnored(t *testing.T) {
	f := newFixture(t)
	path := copyFixture(t, "05_unlabeled.docx", t.TempDir(), "a.docx")
	f.p.Expect(download("a.docx", ""), protectVerdict("ev-1", protocol.EncryptNone))
	f.p.Expect(download("a.docx", ""), protectVerdict("ev-2", protocol.EncryptNone))
	if _, ok := f.p.Handle(context.Background(), watch.Ready{Path: path}); !ok {
		t.Fatal("first Handle did not protect the file")
	}
	if _, ok := f.p.Handle(context.Background(), watch.Ready{Path: path}); ok {
		t.Error("the Protector's own output was protected again")
	}
	if n := f.p.Pending(); n != 1 {
		t.Errorf("got %d pending, want the second verdict still waiting", n)
	}
}

func TestExpectIgnoresOtherVerdicts(t *testing.T) {
	f := newFixture(t)
	block := &protocol.Verdict{RequestID: "r", Decision: protocol.DecisionBlock, Reason: "x", EventID: "e"}
	f.p.Expect(download("a.docx", ""), block)
	upload := download("a.docx", "")
	upload.Activity = protocol.ActivityUpload
	f.p.Expect(upload, protectVerdict("e", protocol.EncryptNone))
	if n := f.p.Pending(); n != 0 {
		t.Errorf("got %d pending, want 0", n)
	}
}

func TestAttachedLabelOnText(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("plain notes"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.p.Expect(download("notes.txt", ""), protectVerdict("ev-t", protocol.EncryptNone))
	if _, ok := f.p.Handle(context.Background(), watch.Ready{Path: path}); !ok {
		t.Fatal("Handle did not protect the file")
	}
	e := readLabel(t, path)
	if e.ID != testLabelID || e.Source != label.SourceXattr {
		t.Errorf("got label %s from %s, want %s from %s", e.ID, e.Source, testLabelID, label.SourceXattr)
	}
}
