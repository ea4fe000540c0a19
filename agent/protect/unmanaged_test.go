package protect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/xattr"

	"parapet/agent/label"
	"parapet/agent/watch"
	"parapet/protocol"
)

// scriptedDecider returns the verdict that decisions maps the file's name
// to, allow otherwise, and records every request.
type scriptedDecider struct {
	decisions map[string]*protocol.Verdict
	mu        sync.Mutex
	requests  []protocol.ActionRequest
	seen      chan string
}

func (s *scriptedDecider) Decide(_ context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict {
	s.mu.Lock()
	s.requests = append(s.requests, *req)
	s.mu.Unlock()
	defer func() { s.seen <- req.File.Name }()
	if v, ok := s.decisions[req.File.Name]; ok {
		out := *v
		out.RequestID = id
		return &out
	}
	return &protocol.Verdict{RequestID: id, Decision: protocol.DecisionAllow, Reason: "test", PolicyIDs: []string{}, EventID: "ev-allow"}
}

func (s *scriptedDecider) request(name string) (protocol.ActionRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		if r.File.Name == name {
			return r, true
		}
	}
	return protocol.ActionRequest{}, false
}

// startWatched runs a protector with decider over a real watcher on a new
// download folder and returns the folder.
func startWatched(t *testing.T, decider Decider) (*Protector, string, string) {
	t.Helper()
	state, downloads := t.TempDir(), t.TempDir()
	ledger, err := label.OpenLedger(filepath.Join(state, "ledger"), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ledger.Close() })
	p, err := New(Config{Ledger: ledger, Sender: newSender(), OutboxDir: filepath.Join(state, "updates"),
		Decider: decider, QuarantineDir: filepath.Join(state, "quarantine"), Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	w, err := watch.New(watch.Config{Dirs: []string{downloads}, Stable: 20 * time.Millisecond, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.Run(ctx) }()
	go func() { defer wg.Done(); p.Run(ctx, w.Events()) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return p, downloads, filepath.Join(state, "quarantine")
}

func waitDecided(t *testing.T, d *scriptedDecider, name string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-d.seen:
			if got == name {
				return
			}
		case <-deadline:
			t.Fatalf("no decision on %s", name)
		}
	}
}

func TestUnclaimedDownloadDecisions(t *testing.T) {
	block := &protocol.Verdict{Decision: protocol.DecisionBlock, Message: "Exports are not allowed.",
		Reason: "Policy no-exports decided block.", PolicyIDs: []string{"no-exports"}, EventID: "ev-block"}
	d := &scriptedDecider{decisions: map[string]*protocol.Verdict{
		"export.csv":  block,
		"labeled.pdf": protectVerdict("ev-protect", protocol.EncryptNone),
	}, seen: make(chan string, 16)}
	_, downloads, quarantine := startWatched(t, d)

	t.Run("block quarantines and leaves a notice", func(t *testing.T) {
		path := filepath.Join(downloads, "export.csv")
		if err := os.WriteFile(path, []byte("name,iban\nana,DE00\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		waitDecided(t, d, "export.csv")
		notice := path + NoticeSuffix
		waitFile(t, notice)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("blocked file still in the download folder: %v", err)
		}
		text, err := os.ReadFile(notice)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"export.csv", "Exports are not allowed.", "ev-block"} {
			if !strings.Contains(string(text), want) {
				t.Errorf("notice does not contain %q:\n%s", want, text)
			}
		}
		entries, err := os.ReadDir(quarantine)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), "-export.csv") {
			t.Fatalf("quarantine holds %v, want one file ending in -export.csv", entries)
		}
		kept, err := os.ReadFile(filepath.Join(quarantine, entries[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		if string(kept) != "name,iban\nana,DE00\n" {
			t.Errorf("quarantined content = %q", kept)
		}
	})

	t.Run("protect labels the file", func(t *testing.T) {
		path := copyFixture(t, "09_unlabeled.pdf", downloads, "labeled.pdf")
		waitDecided(t, d, "labeled.pdf")
		deadline := time.Now().Add(5 * time.Second)
		for {
			res, err := label.Read(path)
			entry, ok := res.Effective()
			if err == nil && ok && entry.Label.ID == testLabelID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("file not labeled: labels %+v, error %v", res.Labels, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})

	t.Run("allow leaves the file and request carries origin", func(t *testing.T) {
		path := filepath.Join(downloads, "notes.txt")
		if err := os.WriteFile(path, []byte("hello"), 0o644); err != nil {
			t.Fatal(err)
		}
		xattr.Set(path, "user.xdg.origin.url", []byte("https://files.corp.test/f/notes.txt"))
		xattr.Set(path, "user.xdg.referrer.url", []byte("https://files.corp.test/folder"))
		waitDecided(t, d, "notes.txt")
		if _, err := os.Stat(path); err != nil {
			t.Errorf("allowed file: %v", err)
		}
		req, ok := d.request("notes.txt")
		if !ok {
			t.Fatal("no request for notes.txt")
		}
		if req.Source != protocol.SourceWatcher {
			t.Errorf("source = %q, want watcher", req.Source)
		}
		if req.TabID != -1 {
			t.Errorf("tab_id = %d, want -1", req.TabID)
		}
		if req.File.Size != 5 {
			t.Errorf("size = %d, want 5", req.File.Size)
		}
		if req.File.SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
			t.Errorf("sha256 = %q", req.File.SHA256)
		}
		// The xattrs are set after the write, so the origin is present only
		// when the file system supports user attributes.
		if req.TargetURL != "" {
			if req.AppHost != "files.corp.test" {
				t.Errorf("app_host = %q, want files.corp.test", req.AppHost)
			}
			if req.PageURL != "https://files.corp.test/folder" {
				t.Errorf("page_url = %q", req.PageURL)
			}
		} else {
			if req.AppHost != "unknown" {
				t.Errorf("app_host = %q, want unknown without an origin", req.AppHost)
			}
			if req.PageURL != "file:///" {
				t.Errorf("page_url = %q, want file:///", req.PageURL)
			}
		}
	})
}

func TestReportedDownloadNotDecidedAgain(t *testing.T) {
	d := &scriptedDecider{decisions: map[string]*protocol.Verdict{}, seen: make(chan string, 16)}
	p, downloads, _ := startWatched(t, d)
	p.Reported(download("report.txt", "https://files.corp.test/f/report.txt"))

	// Chromium's second copy of the same name gets " (1)".
	for _, name := range []string{"report (1).txt", "other.txt"} {
		if err := os.WriteFile(filepath.Join(downloads, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitDecided(t, d, "other.txt")
	time.Sleep(100 * time.Millisecond)
	if _, ok := d.request("report (1).txt"); ok {
		t.Error("download the extension reported was decided again as a download without the extension")
	}
}

func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
