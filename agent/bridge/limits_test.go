package bridge

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"parapet/protocol"
)

func TestBucketBurstThenRefill(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newBucket(2, 3, now)
	for i := range 3 {
		if !b.take(now) {
			t.Fatalf("take %d within the burst was refused", i+1)
		}
	}
	if b.take(now) {
		t.Error("take beyond the burst was allowed")
	}
	if !b.take(now.Add(500 * time.Millisecond)) {
		t.Error("take after half a second at 2 per second was refused")
	}
	if b.take(now.Add(500 * time.Millisecond)) {
		t.Error("second take after half a second was allowed")
	}
}

func TestLogLimiterCountsHeldLines(t *testing.T) {
	now := time.Unix(1000, 0)
	l := &logLimiter{interval: time.Second}
	if ok, _ := l.allow(now); !ok {
		t.Fatal("first line was held")
	}
	for range 5 {
		if ok, _ := l.allow(now.Add(100 * time.Millisecond)); ok {
			t.Fatal("line within the interval was let through")
		}
	}
	ok, held := l.allow(now.Add(time.Second))
	if !ok || held != 5 {
		t.Errorf("got allow %v with %d held, want true with 5", ok, held)
	}
}

// shortHelloTimeout sets helloTimeout to d for the test.
func shortHelloTimeout(t *testing.T, d time.Duration) {
	old := helloTimeout
	helloTimeout = d
	t.Cleanup(func() { helloTimeout = old })
}

func TestSilentConnectionClosed(t *testing.T) {
	shortHelloTimeout(t, 300*time.Millisecond)
	_, _, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	// Pings before the hello do not keep the connection.
	send(t, ws, "ext-p1", &protocol.Ping{})
	receive(t, ws)
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Fatal("a connection without hello was kept open")
	}
}

func TestHelloKeepsConnection(t *testing.T) {
	shortHelloTimeout(t, 300*time.Millisecond)
	_, _, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	send(t, ws, "ext-h", &protocol.Hello{Peer: "extension", Software: "ext"})
	receive(t, ws) // hello
	receive(t, ws) // policy.update
	time.Sleep(600 * time.Millisecond)
	send(t, ws, "ext-p2", &protocol.Ping{})
	if got := receive(t, ws).Type; got != protocol.TypePong {
		t.Errorf("got %s after the hello timeout, want pong", got)
	}
}

func TestActionFloodRateLimited(t *testing.T) {
	_, _, port := start(t, "127.0.0.1:0")
	ws := dialBridge(t, port)
	send(t, ws, "ext-h", &protocol.Hello{Peer: "extension", Software: "ext"})
	req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test",
		PageURL: "https://files.corp.test/", TabID: 1}
	const n = actionBurst + 40
	for i := range n {
		send(t, ws, fmt.Sprintf("flood-%d", i), req)
	}
	limited := 0
	for verdicts := 0; verdicts < n; {
		msg := receive(t, ws)
		v, ok := msg.Payload.(*protocol.Verdict)
		if !ok {
			continue
		}
		verdicts++
		if v.Decision == protocol.DecisionBlock && strings.Contains(v.Message, "Too many actions") {
			limited++
		}
	}
	if limited == 0 {
		t.Errorf("none of %d requests sent at once was rate limited", n)
	}
	if limited > n-actionBurst {
		t.Errorf("%d requests rate limited, want at most %d beyond the burst", limited, n-actionBurst)
	}
}
