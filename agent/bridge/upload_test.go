package bridge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parapet/agent/inspect"
	"parapet/agent/upload"
	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// requestDecider records the requests it decides and allows them.
type requestDecider struct {
	mu   sync.Mutex
	reqs []protocol.ActionRequest
}

func (d *requestDecider) Decide(_ context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict {
	d.mu.Lock()
	r := *req
	if req.File != nil {
		f := *req.File
		r.File = &f
	}
	d.reqs = append(d.reqs, r)
	d.mu.Unlock()
	return &protocol.Verdict{RequestID: id, Decision: protocol.DecisionAllow, Reason: "test", PolicyIDs: []string{}, EventID: "ev-u"}
}

func (d *requestDecider) requests() []protocol.ActionRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]protocol.ActionRequest(nil), d.reqs...)
}

type uploadHarness struct {
	ws      *websocket.Conn
	decider *requestDecider
	dir     string
}

// startUploads runs a bridge with an upload inspector limited to max bytes
// and returns a connected extension.
func startUploads(t *testing.T, max int64, stall time.Duration) *uploadHarness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	det, err := inspect.New(inspect.Config{Cards: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, err := upload.New(upload.Config{Dir: dir, MaxBytes: max, Detectors: det, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	d := &requestDecider{}
	s := New(Config{AllowedIDs: []string{pinnedID}, Decider: d, Log: discard, Uploads: in, UploadStall: stall,
		DeviceID: func() string { return "dev-1" }, Policy: func() *protocol.PolicyUpdate { return nil },
		User: "alice", Software: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	ws := dialBridge(t, ln.Addr().(*net.TCPAddr).Port)
	return &uploadHarness{ws: ws, decider: d, dir: dir}
}

func uploadRequest(name string, size int64) *protocol.ActionRequest {
	return &protocol.ActionRequest{Activity: protocol.ActivityUpload, AppHost: "share.example.test",
		PageURL: "https://share.example.test/", File: &protocol.FileInfo{Name: name, Size: size}, TabID: 3}
}

func (h *uploadHarness) sendChunks(t *testing.T, id string, data []byte, size int) {
	t.Helper()
	for off := 0; ; off += size {
		end := min(off+size, len(data))
		send(t, h.ws, fmt.Sprintf("%s-c%d", id, off), &protocol.UploadChunk{RequestID: id, Offset: int64(off),
			Data: data[off:end], Last: end == len(data)})
		if end == len(data) {
			return
		}
	}
}

func expectVerdict(t *testing.T, ws *websocket.Conn, id string) *protocol.Verdict {
	t.Helper()
	msg := receive(t, ws)
	v, ok := msg.Payload.(*protocol.Verdict)
	if !ok {
		t.Fatalf("got %s, want a verdict", msg.Type)
	}
	if v.RequestID != id {
		t.Fatalf("got verdict for %s, want %s", v.RequestID, id)
	}
	return v
}

func expectError(t *testing.T, ws *websocket.Conn, code string) *protocol.Error {
	t.Helper()
	msg := receive(t, ws)
	e, ok := msg.Payload.(*protocol.Error)
	if !ok {
		t.Fatalf("got %s, want an error", msg.Type)
	}
	if e.Code != code {
		t.Fatalf("got error code %s (%s), want %s", e.Code, e.Message, code)
	}
	return e
}

func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	return names
}

func TestUploadInspectedBeforeRelay(t *testing.T) {
	h := startUploads(t, 1<<20, 0)
	data := bytes.Repeat([]byte("name,card\nalice,4242424242424242\n"), 3000)
	req := uploadRequest("cards.csv", int64(len(data)))
	// The extension's own claims must be dropped.
	req.File.Label = &protocol.FileLabel{ID: "2096f6a2-d2f7-48be-b329-b73aaa526e5d", TenantID: "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11"}
	req.File.Detectors = []string{"nothing"}
	req.File.Inspection = protocol.InspectionComplete
	req.File.SHA256 = strings.Repeat("0", 64)
	send(t, h.ws, "up-1", req)
	h.sendChunks(t, "up-1", data, protocol.MaxChunkSize)

	v := expectVerdict(t, h.ws, "up-1")
	if v.Decision != protocol.DecisionAllow {
		t.Errorf("got decision %s, want the decider's allow", v.Decision)
	}
	reqs := h.decider.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d relayed requests, want 1", len(reqs))
	}
	f := reqs[0].File
	sum := sha256.Sum256(data)
	if f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("got sha256 %s, want the content's", f.SHA256)
	}
	if strings.Join(f.Detectors, ",") != inspect.DetectorCard {
		t.Errorf("got detectors %v, want [%s]", f.Detectors, inspect.DetectorCard)
	}
	if f.Label != nil {
		t.Errorf("got label %+v, want the extension's label dropped", f.Label)
	}
	if f.Inspection != protocol.InspectionComplete {
		t.Errorf("got inspection %q, want complete", f.Inspection)
	}
	if left := leftovers(t, h.dir); len(left) != 0 {
		t.Errorf("got upload files %v after the verdict, want none", left)
	}
}

func TestUploadOversizedRelayedAtOnce(t *testing.T) {
	h := startUploads(t, 100, 0)
	send(t, h.ws, "big-1", uploadRequest("big.bin", 101))
	expectVerdict(t, h.ws, "big-1")
	reqs := h.decider.requests()
	if len(reqs) != 1 || reqs[0].File.Inspection != protocol.InspectionOversized {
		t.Fatalf("got requests %+v, want one marked oversized", reqs)
	}
	// A chunk sent anyway names no upload.
	send(t, h.ws, "big-c0", &protocol.UploadChunk{RequestID: "big-1", Offset: 0, Data: []byte("x"), Last: true})
	expectError(t, h.ws, codeUnknownUpload)
}

func TestUploadViolationsBlocked(t *testing.T) {
	cases := []struct {
		name   string
		size   int64
		chunks []protocol.UploadChunk
		reason string
	}{
		{"gap", 10, []protocol.UploadChunk{{Offset: 0, Data: []byte("abc")}, {Offset: 5, Data: []byte("fgh")}}, "starts at offset 5"},
		{"over declared", 4, []protocol.UploadChunk{{Offset: 0, Data: []byte("abcdef"), Last: true}}, "declared size"},
		{"unknown size over limit", -1, []protocol.UploadChunk{{Offset: 0, Data: bytes.Repeat([]byte("a"), 60)}, {Offset: 60, Data: bytes.Repeat([]byte("a"), 60)}}, "inspection limit"},
		{"short", 10, []protocol.UploadChunk{{Offset: 0, Data: []byte("abc"), Last: true}}, "ended at 3 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := startUploads(t, 100, 0)
			send(t, h.ws, "up-v", uploadRequest("a.txt", c.size))
			for i, ch := range c.chunks {
				ch.RequestID = "up-v"
				send(t, h.ws, fmt.Sprintf("c%d", i), &ch)
			}
			expectError(t, h.ws, codeUploadRejected)
			v := expectVerdict(t, h.ws, "up-v")
			if v.Decision != protocol.DecisionBlock || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("got %s with reason %q, want block mentioning %q", v.Decision, v.Reason, c.reason)
			}
			if n := len(h.decider.requests()); n != 0 {
				t.Errorf("got %d relayed requests, want 0", n)
			}
			if left := leftovers(t, h.dir); len(left) != 0 {
				t.Errorf("got upload files %v, want none", left)
			}
		})
	}
}

func TestUploadStallBlocked(t *testing.T) {
	h := startUploads(t, 100, 200*time.Millisecond)
	send(t, h.ws, "up-s", uploadRequest("a.txt", 10))
	send(t, h.ws, "c0", &protocol.UploadChunk{RequestID: "up-s", Offset: 0, Data: []byte("abc")})
	expectError(t, h.ws, codeUploadRejected)
	v := expectVerdict(t, h.ws, "up-s")
	if v.Decision != protocol.DecisionBlock || !strings.Contains(v.Reason, "no chunk") {
		t.Errorf("got %s with reason %q, want a block for the stall", v.Decision, v.Reason)
	}
	if left := leftovers(t, h.dir); len(left) != 0 {
		t.Errorf("got upload files %v after the stall, want none", left)
	}
	// A late chunk of the dropped upload names no upload.
	send(t, h.ws, "c1", &protocol.UploadChunk{RequestID: "up-s", Offset: 3, Data: []byte("d")})
	expectError(t, h.ws, codeUnknownUpload)
}

func TestUploadConcurrencyBounded(t *testing.T) {
	h := startUploads(t, 100, 0)
	for i := 0; i < maxUploads; i++ {
		send(t, h.ws, fmt.Sprintf("up-%d", i), uploadRequest("a.txt", 5))
	}
	send(t, h.ws, "up-extra", uploadRequest("a.txt", 5))
	expectError(t, h.ws, codeUploadRejected)
	v := expectVerdict(t, h.ws, "up-extra")
	if v.Decision != protocol.DecisionBlock {
		t.Errorf("got %s for the upload over the limit, want block", v.Decision)
	}
	// The uploads in progress still complete.
	send(t, h.ws, "c0", &protocol.UploadChunk{RequestID: "up-0", Offset: 0, Data: []byte("hello"), Last: true})
	if v := expectVerdict(t, h.ws, "up-0"); v.Decision != protocol.DecisionAllow {
		t.Errorf("got %s, want allow", v.Decision)
	}
}

func TestUploadDuplicateID(t *testing.T) {
	h := startUploads(t, 100, 0)
	send(t, h.ws, "up-d", uploadRequest("a.txt", 5))
	send(t, h.ws, "up-d", uploadRequest("b.txt", 5))
	expectError(t, h.ws, codeUploadRejected)
	send(t, h.ws, "c0", &protocol.UploadChunk{RequestID: "up-d", Offset: 0, Data: []byte("hello"), Last: true})
	expectVerdict(t, h.ws, "up-d")
	if reqs := h.decider.requests(); len(reqs) != 1 || reqs[0].File.Name != "a.txt" {
		t.Errorf("got requests %+v, want only the first upload", reqs)
	}
}

func TestUploadFilesRemovedOnDisconnect(t *testing.T) {
	h := startUploads(t, 100, 0)
	send(t, h.ws, "up-x", uploadRequest("a.txt", 10))
	send(t, h.ws, "c0", &protocol.UploadChunk{RequestID: "up-x", Offset: 0, Data: []byte("abc")})
	send(t, h.ws, "p", &protocol.Ping{})
	receive(t, h.ws) // the pong shows the chunk was handled
	if left := leftovers(t, h.dir); len(left) != 1 {
		t.Fatalf("got upload files %v mid-upload, want 1", left)
	}
	h.ws.Close()
	deadline := time.Now().Add(10 * time.Second)
	for len(leftovers(t, h.dir)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("got upload files %v 10s after disconnect, want none", leftovers(t, h.dir))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDownloadClaimsDropped(t *testing.T) {
	h := startUploads(t, 100, 0)
	req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test", PageURL: "https://files.corp.test/",
		File: &protocol.FileInfo{Name: "a.pdf", Size: 10, Detectors: []string{"x"}, Inspection: protocol.InspectionComplete}}
	send(t, h.ws, "dl-1", req)
	expectVerdict(t, h.ws, "dl-1")
	reqs := h.decider.requests()
	if len(reqs) != 1 || reqs[0].File.Detectors != nil || reqs[0].File.Inspection != "" {
		t.Errorf("got %+v, want the extension's detectors and inspection dropped", reqs)
	}
}
