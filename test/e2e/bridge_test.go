package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parapet/test/harness"
)

// handshake is one upgrade request of testdata/handshakes.txt.
type handshake struct {
	name, origin, host string
	status             int
}

var handshakeLine = regexp.MustCompile(`^(\d+)\)\s+(?:Origin:\s+(\S+)|\(no Origin header\))\s+Host:\s+(\S+)\s+->\s+(\d{3})`)

func readHandshakes(t *testing.T, port int) []handshake {
	t.Helper()
	f, err := os.Open("../testdata/handshakes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []handshake
	scan := bufio.NewScanner(f)
	for scan.Scan() {
		m := handshakeLine.FindStringSubmatch(scan.Text())
		if m == nil {
			continue
		}
		status, _ := strconv.Atoi(m[4])
		sub := strings.NewReplacer("<PINNED_ID>", harness.ExtensionID, "PORT", strconv.Itoa(port))
		cases = append(cases, handshake{name: "case_" + m[1], origin: sub.Replace(m[2]), host: sub.Replace(m[3]), status: status})
	}
	if len(cases) < 5 {
		t.Fatalf("read %d handshake cases, want at least 5", len(cases))
	}
	return cases
}

// upgradeStatus sends a websocket upgrade request with the given headers to
// the bridge on 127.0.0.1:port and returns the response status.
func upgradeStatus(port int, origin, host string) (int, error) {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /bridge HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	if origin != "" {
		req += "Origin: " + origin + "\r\n"
	}
	if _, err := conn.Write([]byte(req + "\r\n")); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestBridgeHandshakeMatrix(t *testing.T) {
	env := startEnv(t, "policies.yaml")
	port := env.Agent.BridgePort
	for _, c := range readHandshakes(t, port) {
		t.Run(c.name, func(t *testing.T) {
			got, err := upgradeStatus(port, c.origin, c.host)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.status {
				t.Errorf("Origin %q Host %q: status %d, want %d", c.origin, c.host, got, c.status)
			}
		})
	}

	// A page in the browser must not reach the bridge either: its Origin
	// is a web origin.
	script := fmt.Sprintf(`new Promise(resolve => {
		const ws = new WebSocket("ws://127.0.0.1:%d/bridge");
		ws.onopen = () => resolve("open");
		ws.onerror = () => resolve("error");
		setTimeout(() => resolve("timeout"), 5000);
	})`, port)
	if err := env.Browser.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(env.Browser.Tab, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got != "error" {
		t.Errorf("page websocket to the bridge: %s, want error", got)
	}
	connected, err := env.ExtensionConnected(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !connected {
		t.Error("extension is not connected to the agent, want connected")
	}
}
