package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parapet/agent/config"
	"parapet/agent/label"
	"parapet/agent/protect"
	"parapet/protocol"
	"parapet/server/filekeys"

	"github.com/gorilla/websocket"
	"github.com/pkg/xattr"
	"github.com/zalando/go-keyring"
)

// TestFilesEndToEnd runs a daemon against a scripted server: an upload is
// inspected before it reaches the server, and a protect verdict on a
// download encrypts the saved file and reports it with activity.update.
func TestFilesEndToEnd(t *testing.T) {
	keyring.MockInitWithError(errors.New("no keyring in this test"))
	srv, conns := server(t)
	downloads := t.TempDir()
	cfg := config.Default()
	cfg.ServerURL = srv.URL
	cfg.ServerCAFile = writeCA(t, srv)
	cfg.StateDir = filepath.Join(t.TempDir(), "agent")
	cfg.BridgeListen = "127.0.0.1:0"
	cfg.User = "alice"
	cfg.DownloadDirs = []string{downloads}
	cfg.ReconnectMin, cfg.ReconnectMax = 10*time.Millisecond, 50*time.Millisecond
	t.Setenv(config.EnrollTokenEnv, "token-1")
	keys, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	d, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	up := <-conns
	defer up.Close()
	recv(t, up, protocol.TypePostureReport)
	h := http.Header{"Origin": []string{"chrome-extension://" + config.DevExtensionID}}
	ext, _, err := websocket.DefaultDialer.Dial("ws://"+d.BridgeAddr()+protocol.BridgePath, h)
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	sendMsg(t, ext, "ext-hello", &protocol.Hello{Peer: "extension", Software: "ext"})
	recv(t, ext, protocol.TypeHello)

	// Upload: the server sees the agent's findings.
	csv := []byte("name,card\nalice,4242424242424242\n")
	sendMsg(t, ext, "ext-up", &protocol.ActionRequest{Activity: protocol.ActivityUpload, AppHost: "share.example.test",
		PageURL: "https://share.example.test/", File: &protocol.FileInfo{Name: "c.csv", Size: int64(len(csv))}})
	sendMsg(t, ext, "ext-up-0", &protocol.UploadChunk{RequestID: "ext-up", Offset: 0, Data: csv, Last: true})
	fwd := recv(t, up, protocol.TypeActionRequest)
	if f := fwd.Payload.(*protocol.ActionRequest).File; strings.Join(f.Detectors, ",") != "payment_card" || f.Inspection != protocol.InspectionComplete {
		t.Errorf("got file %+v at the server, want payment_card found and inspection complete", f)
	}
	sendMsg(t, up, "", &protocol.Verdict{RequestID: fwd.ID, Decision: protocol.DecisionBlock, Reason: "card data",
		PolicyIDs: []string{"dlp"}, EventID: "act-up"})
	if v := recv(t, ext, protocol.TypeVerdict).Payload.(*protocol.Verdict); v.RequestID != "ext-up" || v.Decision != protocol.DecisionBlock {
		t.Errorf("got %+v, want the server's block for ext-up", v)
	}

	// Download with a protect verdict.
	target := "https://files.corp.test/dl/q3"
	sendMsg(t, ext, "ext-dl", &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test",
		PageURL: "https://files.corp.test/", TargetURL: target, File: &protocol.FileInfo{Name: "q3.txt", Size: -1}})
	fwd = recv(t, up, protocol.TypeActionRequest)
	lbl := protocol.FileLabel{ID: "2096f6a2-d2f7-48be-b329-b73aaa526e5d", TenantID: "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11", Name: "Confidential"}
	sendMsg(t, up, "", &protocol.Verdict{RequestID: fwd.ID, Decision: protocol.DecisionProtect, Reason: "label",
		PolicyIDs: []string{"lbl"}, EventID: "act-dl",
		Protect: &protocol.Protection{Label: lbl, Encrypt: protocol.EncryptOrg, Recipients: []string{keys.OrgRecipient()}}})
	if v := recv(t, ext, protocol.TypeVerdict).Payload.(*protocol.Verdict); v.Decision != protocol.DecisionProtect {
		t.Fatalf("got %s, want protect", v.Decision)
	}
	part := filepath.Join(downloads, "q3.txt.crdownload")
	if err := os.WriteFile(part, []byte("q3 numbers"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := xattr.Set(part, "user.xdg.origin.url", []byte(target)); err != nil {
		t.Skipf("extended attributes unsupported here: %v", err)
	}
	if err := os.Rename(part, filepath.Join(downloads, "q3.txt")); err != nil {
		t.Fatal(err)
	}

	msg := recv(t, up, protocol.TypeActivityUpdate)
	u := msg.Payload.(*protocol.ActivityUpdate)
	if u.EventID != "act-dl" || u.FileName != "q3.txt.parapet" || u.Encrypted != protocol.EncryptOrg {
		t.Errorf("got update %+v, want act-dl, q3.txt.parapet, org", u)
	}
	sendMsg(t, up, "", &protocol.Ack{RefID: msg.ID})
	stored := filepath.Join(downloads, "q3.txt.parapet")
	if digest, err := label.FileDigest(stored); err != nil || digest != u.SHA256 {
		t.Errorf("got stored digest %s (%v), want the update's %s", digest, err, u.SHA256)
	}
	info, err := protect.Show(stored)
	if err != nil {
		t.Fatal(err)
	}
	if info.Label == nil || info.Label.ID != lbl.ID {
		t.Errorf("got Show label %+v, want %s", info.Label, lbl.ID)
	}
	outbox := filepath.Join(cfg.StateDir, "updates")
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, _ := filepath.Glob(filepath.Join(outbox, "*.json"))
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d updates in the outbox 10s after the ack, want 0", len(left))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
