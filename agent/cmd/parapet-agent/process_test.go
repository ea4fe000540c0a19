//go:build !windows

package main

import (
	"bufio"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"parapet/agent/config"
	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// These tests run the agent binary as the service manager would: built
// from this package, started with "run --config", stopped with SIGTERM or
// killed with SIGKILL.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func agentBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "parapet-agent-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "parapet-agent")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// protoServer is a small parapet-server: it enrolls, accepts agent links
// while up is set, and stores and acks every activity.report.
type protoServer struct {
	*httptest.Server
	up        atomic.Bool
	connected chan struct{}

	mu      sync.Mutex
	reports []string // request ids, in arrival order
}

func newProtoServer(t *testing.T) *protoServer {
	t.Helper()
	s := &protoServer{connected: make(chan struct{}, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+protocol.EnrollPath, func(w http.ResponseWriter, r *http.Request) {
		var req protocol.EnrollRequest
		if json.NewDecoder(r.Body).Decode(&req) != nil || req.Token != "tok-1" {
			http.Error(w, "invalid enrollment token", http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(protocol.EnrollResponse{DeviceID: "dev-1", Credential: "cred-1"})
	})
	mux.HandleFunc(protocol.AgentPath, func(w http.ResponseWriter, r *http.Request) {
		if !s.up.Load() {
			http.Error(w, "down for the test", http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("Authorization") != "Bearer cred-1" {
			http.Error(w, "unknown credential", http.StatusUnauthorized)
			return
		}
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		s.connected <- struct{}{}
		s.serve(ws)
	})
	s.Server = httptest.NewTLSServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *protoServer) serve(ws *websocket.Conn) {
	defer ws.Close()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		msg, err := protocol.Decode(data)
		if err != nil {
			continue
		}
		switch body := msg.Payload.(type) {
		case *protocol.Hello:
			reply, _ := protocol.Encode("", &protocol.Hello{Peer: "server", Software: "test", DeviceID: "dev-1"})
			ws.WriteMessage(websocket.TextMessage, reply)
		case *protocol.ActivityReport:
			s.mu.Lock()
			s.reports = append(s.reports, body.RequestID)
			s.mu.Unlock()
			ack, _ := protocol.Encode("", &protocol.Ack{RefID: msg.ID})
			ws.WriteMessage(websocket.TextMessage, ack)
		case *protocol.Ping:
			pong, _ := protocol.Encode("", &protocol.Pong{})
			ws.WriteMessage(websocket.TextMessage, pong)
		}
	}
}

func (s *protoServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reports)
}

// writeAgentConfig writes a config for srv and returns its path and the
// state folder.
func writeAgentConfig(t *testing.T, srv *protoServer) (string, string) {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}
	if err := os.WriteFile(ca, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	text := fmt.Sprintf(`server_url: %s
server_ca_file: %s
state_dir: %s
bridge_listen: 127.0.0.1:0
user: alice
credential_store: file
verdict_timeout: 1s
reconnect_min: 20ms
reconnect_max: 200ms
log_file: %s
`, srv.URL, ca, state, filepath.Join(dir, "agent.log"))
	path := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, state
}

// agentProcess is a running agent and the bridge address it logged.
type agentProcess struct {
	cmd    *exec.Cmd
	bridge string
	exited chan error
}

var bridgeAttr = regexp.MustCompile(`msg="agent started" .*\bbridge=(\S+)`)

func startAgent(t *testing.T, configPath string) *agentProcess {
	t.Helper()
	cmd := exec.Command(agentBinary(t), "run", "--config", configPath)
	cmd.Env = append(os.Environ(), config.EnrollTokenEnv+"=tok-1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &agentProcess{cmd: cmd, exited: make(chan error, 1)}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := bridgeAttr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stderr)
		p.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	select {
	case p.bridge = <-found:
	case err := <-p.exited:
		t.Fatalf("agent exited before it started: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not log its start")
	}
	return p
}

// wait returns the exit error, or fails the test after timeout.
func (p *agentProcess) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-p.exited:
		return err
	case <-time.After(timeout):
		t.Fatalf("agent still running %s after the signal", timeout)
		return nil
	}
}

// requestActions sends one download request per id over the bridge and
// waits for each verdict.
func requestActions(t *testing.T, bridge string, ids []string) {
	t.Helper()
	h := http.Header{"Origin": []string{"chrome-extension://" + config.DevExtensionID}}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+bridge+protocol.BridgePath, h)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, id := range ids {
		req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test",
			PageURL: "https://files.corp.test/", TabID: 1}
		data, err := protocol.Encode(id, req)
		if err != nil {
			t.Fatal(err)
		}
		if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
			t.Fatal(err)
		}
		for {
			ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, data, err := ws.ReadMessage()
			if err != nil {
				t.Fatalf("waiting for the verdict on %s: %v", id, err)
			}
			msg, err := protocol.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := msg.Payload.(*protocol.Verdict); ok {
				if v.RequestID != id || v.EventID != "local-"+id {
					t.Fatalf("got verdict %+v, want a local verdict for %s", v, id)
				}
				break
			}
		}
	}
}

func queuedItems(t *testing.T, state string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(state, "queue", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

func TestProcessStopsOnSIGTERM(t *testing.T) {
	srv := newProtoServer(t)
	srv.up.Store(true)
	configPath, _ := writeAgentConfig(t, srv)
	p := startAgent(t, configPath)
	select {
	case <-srv.connected:
	case <-time.After(30 * time.Second):
		t.Fatal("agent did not connect to the server")
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The deadline is stopTimeout plus margin, not a speed target.
	if err := p.wait(t, stopTimeout+5*time.Second); err != nil {
		t.Errorf("got exit %v after SIGTERM, want exit status 0", err)
	}
	logData, err := os.ReadFile(filepath.Join(filepath.Dir(configPath), "agent.log"))
	if err != nil {
		t.Fatalf("log_file not written: %v", err)
	}
	if !regexp.MustCompile(`msg="agent stopped"`).Match(logData) {
		t.Errorf("got log_file without \"agent stopped\":\n%s", logData)
	}
}

func TestProcessQueueSurvivesKill(t *testing.T) {
	srv := newProtoServer(t)
	configPath, state := writeAgentConfig(t, srv)

	first := startAgent(t, configPath)
	requestActions(t, first.bridge, []string{"ext-1", "ext-2", "ext-3", "ext-4", "ext-5"})
	if n := queuedItems(t, state); n != 5 {
		t.Fatalf("got %d queued items before the kill, want 5", n)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var exitErr *exec.ExitError
	if err := first.wait(t, 10*time.Second); !errors.As(err, &exitErr) {
		t.Fatalf("got %v, want the process killed", err)
	}

	second := startAgent(t, configPath)
	requestActions(t, second.bridge, []string{"ext-6", "ext-7"})
	srv.up.Store(true)
	want := []string{"ext-1", "ext-2", "ext-3", "ext-4", "ext-5", "ext-6", "ext-7"}
	deadline := time.Now().Add(30 * time.Second)
	for queuedItems(t, state) > 0 || len(srv.received()) < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("got %v delivered and %d still queued after 30s, want %v delivered", srv.received(), queuedItems(t, state), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.wait(t, stopTimeout+5*time.Second); err != nil {
		t.Errorf("got exit %v after SIGTERM, want exit status 0", err)
	}
	if got := srv.received(); !slices.Equal(got, want) {
		t.Errorf("got delivered %v, want each of %v once and in order", got, want)
	}
}
