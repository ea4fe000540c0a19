package bridge

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parapet/protocol"

	"github.com/gorilla/websocket"
)

const pinnedID = "ghbnpamloifnaljdabnaemelhpdehoae"
const otherID = "abcdefghijklmnopabcdefghijklmnop"

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

type fakeDecider struct {
	mu   sync.Mutex
	seen []string
}

func (f *fakeDecider) Decide(_ context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict {
	f.mu.Lock()
	f.seen = append(f.seen, id)
	f.mu.Unlock()
	return &protocol.Verdict{RequestID: id, Decision: protocol.DecisionBlock, Reason: "test verdict for " + req.AppHost,
		PolicyIDs: []string{"p1"}, EventID: "ev-1"}
}

var testPolicy = &protocol.PolicyUpdate{Revision: 7, Apps: []protocol.App{{ID: "payroll", Hosts: []string{"payroll.corp.test"}, Sensitive: true}}}

// start runs a bridge on addr and returns it with its port.
func start(t *testing.T, addr string) (*Server, *fakeDecider, int) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	d := &fakeDecider{}
	s := New(Config{AllowedIDs: []string{pinnedID}, Decider: d, Log: discard,
		DeviceID: func() string { return "dev-1" }, Policy: func() *protocol.PolicyUpdate { return testPolicy },
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
	return s, d, ln.Addr().(*net.TCPAddr).Port
}

// upgrade sends a raw websocket upgrade to dial with the exact Host and
// Origin given (no Origin header when origin is "-") and returns the status.
func upgrade(t *testing.T, dial, host, origin string) int {
	t.Helper()
	c, err := net.Dial("tcp", dial)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\n", protocol.BridgePath, host)
	b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
	b.WriteString("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
	if origin != "-" {
		fmt.Fprintf(&b, "Origin: %s\r\n", origin)
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

type handshake struct {
	name, origin, host string
	status             int
}

var caseLine = regexp.MustCompile(`^(\d+)\)\s+(?:Origin:\s+(\S+)|\(no Origin header\))\s+Host:\s+(\S+)\s+->\s+(\d{3})`)

// readCases parses testdata/handshakes.txt, putting the pinned extension
// id and the real port in place of <PINNED_ID> and PORT.
func readCases(t *testing.T, port int) []handshake {
	t.Helper()
	data, err := os.ReadFile("testdata/handshakes.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []handshake
	r := strings.NewReplacer("<PINNED_ID>", pinnedID, "PORT", strconv.Itoa(port))
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := caseLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("unparsed line in handshakes.txt: %q", line)
		}
		origin := "-"
		if m[2] != "" {
			origin = r.Replace(m[2])
		}
		status, _ := strconv.Atoi(m[4])
		out = append(out, handshake{name: "file_" + m[1], origin: origin, host: r.Replace(m[3]), status: status})
	}
	if len(out) == 0 {
		t.Fatal("no cases in handshakes.txt")
	}
	return out
}

func TestHandshakes(t *testing.T) {
	_, _, port := start(t, "127.0.0.1:0")
	dial := fmt.Sprintf("127.0.0.1:%d", port)
	p := strconv.Itoa(port)
	other := strconv.Itoa(port + 1)
	good := "chrome-extension://" + pinnedID
	cases := readCases(t, port)
	cases = append(cases, []handshake{
		{"localhost", good, "localhost:" + p, 101},
		{"other port", good, "127.0.0.1:" + other, 403},
		{"no port", good, "127.0.0.1", 403},
		{"other extension", "chrome-extension://" + otherID, "127.0.0.1:" + p, 403},
		{"trailing slash", good + "/", "127.0.0.1:" + p, 403},
		{"trailing path", good + "/bg.js", "127.0.0.1:" + p, 403},
		{"upper case id", "chrome-extension://" + strings.ToUpper(pinnedID), "127.0.0.1:" + p, 403},
		{"upper case scheme", "Chrome-Extension://" + pinnedID, "127.0.0.1:" + p, 403},
		{"wildcard", "*", "127.0.0.1:" + p, 403},
		{"empty origin", "", "127.0.0.1:" + p, 403},
		{"moz extension", "moz-extension://" + pinnedID, "127.0.0.1:" + p, 403},
		{"upper case host", good, "LOCALHOST:" + p, 403},
		{"rebinding with port", good, "evil.example:" + p, 403},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := upgrade(t, dial, c.host, c.origin); got != c.status {
				t.Errorf("Host %q Origin %q: got status %d, want %d", c.host, c.origin, got, c.status)
			}
		})
	}
}

func TestHandshakeIPv6(t *testing.T) {
	_, _, port := start(t, "[::1]:0")
	dial := fmt.Sprintf("[::1]:%d", port)
	if got := upgrade(t, dial, fmt.Sprintf("[::1]:%d", port), "chrome-extension://"+pinnedID); got != 101 {
		t.Errorf("got status %d, want 101", got)
	}
}

func dialBridge(t *testing.T, port int) *websocket.Conn {
	t.Helper()
	h := http.Header{"Origin": []string{"chrome-extension://" + pinnedID}}
	ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://127.0.0.1:%d%s", port, protocol.BridgePath), h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

func sendRaw(t *testing.T, ws *websocket.Conn, data string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, ws *websocket.Conn, id string, body protocol.Body) {
	t.Helper()
	data, err := protocol.Encode(id, body)
	if err != nil {
		t.Fatal(err)
	}
	sendRaw(t, ws, string(data))
}

func receive(t *testing.T, ws *websocket.Conn) *protocol.Message {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := protocol.Decode(data)
	if err != nil {
		t.Fatalf("bridge sent an invalid message: %v", err)
	}
	return msg
}

func TestHelloThenPolicy(t *testing.T) {
	_, _, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	send(t, ws, "ext-1", &protocol.Hello{Peer: "extension", Software: "ext 1"})

	hello, ok := receive(t, ws).Payload.(*protocol.Hello)
	if !ok {
		t.Fatal("first reply is not a hello")
	}
	if hello.Peer != "agent" || hello.DeviceID != "dev-1" || hello.User != "alice" {
		t.Errorf("got hello %+v, want peer agent, device dev-1, user alice", hello)
	}
	u, ok := receive(t, ws).Payload.(*protocol.PolicyUpdate)
	if !ok {
		t.Fatal("second reply is not a policy.update")
	}
	if u.Revision != 7 {
		t.Errorf("got revision %d, want 7", u.Revision)
	}
}

func TestPingPong(t *testing.T) {
	_, _, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	send(t, ws, "ext-2", &protocol.Ping{})
	if got := receive(t, ws).Type; got != protocol.TypePong {
		t.Errorf("got %s, want pong", got)
	}
}

func TestActionRelay(t *testing.T) {
	_, d, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "payroll.corp.test",
		PageURL: "https://payroll.corp.test/", TabID: 4}
	send(t, ws, "ext-0003", req)

	msg := receive(t, ws)
	v, ok := msg.Payload.(*protocol.Verdict)
	if !ok {
		t.Fatalf("got %s, want verdict", msg.Type)
	}
	if v.RequestID != "ext-0003" {
		t.Errorf("got request_id %q, want ext-0003", v.RequestID)
	}
	if v.Decision != protocol.DecisionBlock {
		t.Errorf("got decision %s, want block", v.Decision)
	}
	if msg.ID == "ext-0003" {
		t.Error("verdict reuses the request's envelope id")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) != 1 || d.seen[0] != "ext-0003" {
		t.Errorf("decider saw %v, want [ext-0003]", d.seen)
	}
}

func TestInvalidMessages(t *testing.T) {
	_, _, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	cases := []struct {
		name, data, code, ref string
	}{
		{"not json", `{`, protocol.CodeMalformed, ""},
		{"version", `{"v":2,"type":"ping","id":"ext-5","ts":"2026-12-03T10:00:00Z","body":{}}`, protocol.CodeUnsupportedVersion, "ext-5"},
		{"unknown type", `{"v":1,"type":"nope","id":"ext-6","ts":"2026-12-03T10:00:00Z","body":{}}`, protocol.CodeUnknownType, "ext-6"},
		{"bad field", `{"v":1,"type":"action.request","id":"ext-7","ts":"2026-12-03T10:00:00Z","body":{"activity":"fly","app_host":"a","page_url":"https://a/","tab_id":1}}`, protocol.CodeInvalidField, "ext-7"},
		{"wrong direction", `{"v":1,"type":"ack","id":"ext-8","ts":"2026-12-03T10:00:00Z","body":{"ref_id":"x"}}`, codeUnexpectedType, "ext-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sendRaw(t, ws, c.data)
			e, ok := receive(t, ws).Payload.(*protocol.Error)
			if !ok {
				t.Fatal("reply is not an error")
			}
			if e.Code != c.code {
				t.Errorf("got code %q, want %q", e.Code, c.code)
			}
			if e.RefID != c.ref {
				t.Errorf("got ref_id %q, want %q", e.RefID, c.ref)
			}
		})
	}
}

func TestBroadcast(t *testing.T) {
	s, _, port := start(t, "127.0.0.1:0")
	a, b := dialBridge(t, port), dialBridge(t, port)
	// A ping round trip on each shows that the server registered both.
	for _, ws := range []*websocket.Conn{a, b} {
		send(t, ws, "ext-p", &protocol.Ping{})
		receive(t, ws)
	}
	s.Broadcast(&protocol.PolicyUpdate{Revision: 9, Apps: []protocol.App{}})
	for i, ws := range []*websocket.Conn{a, b} {
		u, ok := receive(t, ws).Payload.(*protocol.PolicyUpdate)
		if !ok || u.Revision != 9 {
			t.Errorf("connection %d: got %+v, want revision 9", i, u)
		}
	}
}

func TestConnectionLimit(t *testing.T) {
	_, _, port := start(t, "127.0.0.1:0")
	for range MaxConns {
		ws := dialBridge(t, port)
		send(t, ws, "ext-p", &protocol.Ping{})
		receive(t, ws)
	}
	host := fmt.Sprintf("127.0.0.1:%d", port)
	if got := upgrade(t, host, host, "chrome-extension://"+pinnedID); got != http.StatusServiceUnavailable {
		t.Errorf("got status %d for connection %d, want 503", got, MaxConns+1)
	}
}
