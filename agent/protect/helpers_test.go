package protect

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"filippo.io/age"

	"parapet/agent/label"
	"parapet/protocol"
)

const (
	testLabelID = "2096f6a2-d2f7-48be-b329-b73aaa526e5d"
	testTenant  = "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

var testLabel = protocol.FileLabel{ID: testLabelID, TenantID: testTenant, Name: "Confidential"}

// recordingSender stores delivered updates and fails while offline is set.
type recordingSender struct {
	mu      sync.Mutex
	offline bool
	ids     []string
	updates []protocol.ActivityUpdate
	sent    chan struct{}
}

func newSender() *recordingSender { return &recordingSender{sent: make(chan struct{}, 64)} }

func (s *recordingSender) SendUpdate(_ context.Context, id string, u *protocol.ActivityUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offline {
		return errors.New("offline")
	}
	s.ids = append(s.ids, id)
	s.updates = append(s.updates, *u)
	s.sent <- struct{}{}
	return nil
}

func (s *recordingSender) setOffline(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offline = v
}

func (s *recordingSender) delivered() []protocol.ActivityUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]protocol.ActivityUpdate(nil), s.updates...)
}

type fixture struct {
	p      *Protector
	ledger *label.Ledger
	sender *recordingSender
	state  string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	state := t.TempDir()
	ledger, err := label.OpenLedger(filepath.Join(state, "ledger"), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ledger.Close() })
	sender := newSender()
	p, err := New(Config{Ledger: ledger, Sender: sender, OutboxDir: filepath.Join(state, "updates"), Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{p: p, ledger: ledger, sender: sender, state: state}
}

// copyFixture copies a file from agent/label/testdata into dir as name.
func copyFixture(t testing.TB, fixture, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "label", "testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func download(name, target string) *protocol.ActionRequest {
	return &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test",
		PageURL: "https://files.corp.test/", TargetURL: target, File: &protocol.FileInfo{Name: name, Size: -1}}
}

func protectVerdict(eventID, encrypt string, recipients ...string) *protocol.Verdict {
	return &protocol.Verdict{RequestID: "r1", Decision: protocol.DecisionProtect, Reason: "test",
		PolicyIDs: []string{"p"}, EventID: eventID,
		Protect: &protocol.Protection{Label: testLabel, Encrypt: encrypt, Recipients: recipients}}
}

func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}
