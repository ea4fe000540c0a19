// Package footprint measures the resident memory, idle CPU and download
// reaction time of the real parapet-agent binary against a real
// parapet-server. It runs only with PARAPET_FOOTPRINT=1 and on Linux,
// because it reads /proc:
//
//	PARAPET_FOOTPRINT=1 go test -run Footprint -v ./agent/footprint/
//
// PARAPET_FOOTPRINT_IDLE sets the idle CPU window (default 60s). The
// test logs the figures and fails only when a measurement cannot be
// taken, never on a figure's size.
package footprint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parapet/agent/label"
	"parapet/protocol"
	"parapet/test/harness"
)

const (
	labelID  = "3a9b6c1d-0000-4000-8000-00000000f00d"
	tenantID = "3a9b6c1d-0000-4000-8000-00000000beef"
	appHost  = "files.footprint.test"
)

const policies = `apps:
  - id: files
    hosts: ["` + appHost + `"]
labels:
  - id: ` + labelID + `
    name: Confidential
    tenant: ` + tenantID + `
policies:
  - id: label-reports
    apps: [files]
    activities: [download]
    files: ["report-*.txt"]
    decision: protect
    label: ` + labelID + `
    encrypt: none
`

// burstFiles is the number of files written at once into the download
// folder.
const burstFiles = 10000

// protectRounds is the number of protected downloads timed.
const protectRounds = 20

func TestFootprint(t *testing.T) {
	if os.Getenv("PARAPET_FOOTPRINT") != "1" {
		t.Skip("set PARAPET_FOOTPRINT=1 to measure the agent's footprint")
	}
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc, so it runs on Linux only")
	}
	idle := 60 * time.Second
	if s := os.Getenv("PARAPET_FOOTPRINT_IDLE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("PARAPET_FOOTPRINT_IDLE: %v", err)
		}
		idle = d
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := harness.BuildBinaries(ctx, bin); err != nil {
		t.Fatal(err)
	}
	policyPath := filepath.Join(dir, "policies.yaml")
	if err := os.WriteFile(policyPath, []byte(policies), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := harness.NewServer(filepath.Join(bin, "parapet-server"), dir, policyPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	downloads := filepath.Join(dir, "Downloads")
	if err := os.Mkdir(downloads, 0o700); err != nil {
		t.Fatal(err)
	}
	agent, port := startAgent(t, bin, dir, srv, downloads)
	waitLog(t, filepath.Join(dir, "agent.log"), "policy bundle cached", 30*time.Second)
	time.Sleep(5 * time.Second) // let start-up allocations settle
	t.Logf("go %s, %s, %d CPUs, GOMAXPROCS %d", runtime.Version(), cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0))
	t.Logf("resident memory idle: %.1f MiB", mib(rss(t, agent.Process.Pid)))

	before := cpuTicks(t, agent.Process.Pid)
	time.Sleep(idle)
	used := float64(cpuTicks(t, agent.Process.Pid)-before) / clockTicks
	t.Logf("CPU idle over %s: %.3fs, %.2f%% of one core", idle, used, 100*used/idle.Seconds())

	measureProtect(t, port, downloads)
	measureBurst(t, agent.Process.Pid, downloads, filepath.Join(dir, "agent.log"))
}

func startAgent(t *testing.T, bin, dir string, srv *harness.Server, downloads string) (*exec.Cmd, int) {
	t.Helper()
	port, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	config := strings.Join([]string{
		"server_url: " + srv.URL(),
		"server_ca_file: " + srv.CAFile(),
		"state_dir: " + filepath.Join(dir, "agent-state"),
		fmt.Sprintf("bridge_listen: 127.0.0.1:%d", port),
		"allowed_extension_ids: [" + harness.ExtensionID + "]",
		"user: ana@corp.test",
		"credential_store: file",
		"download_dirs: [" + downloads + "]",
		"user_download_dirs: false",
	}, "\n") + "\n"
	configPath := filepath.Join(dir, "agent.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "parapet-agent"), "run", "--config", configPath)
	cmd.Env = append(os.Environ(), "PARAPET_ENROLL_TOKEN="+srv.EnrollToken)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		logFile.Close()
	})
	return cmd, port
}

// measureProtect reports, for protectRounds downloads with a protect
// verdict, the time from the file getting its final name, as a browser
// renames a finished download, to the label being readable on it.
func measureProtect(t *testing.T, port int, downloads string) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("ws://127.0.0.1:%d%s", port, protocol.BridgePath),
		map[string][]string{"Origin": {"chrome-extension://" + harness.ExtensionID}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	send(t, ws, "", &protocol.Hello{Peer: "extension", Software: "footprint"})
	var total, worst time.Duration
	for i := range protectRounds {
		name := fmt.Sprintf("report-%d.txt", i)
		id := fmt.Sprintf("fp-%d", i)
		send(t, ws, id, &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: appHost,
			PageURL: "https://" + appHost + "/", TargetURL: "https://" + appHost + "/f/" + name,
			File: &protocol.FileInfo{Name: name, Size: 64}, TabID: 1})
		if v := verdict(t, ws, id); v.Decision != protocol.DecisionProtect {
			t.Fatalf("verdict %s (%s), want protect", v.Decision, v.Reason)
		}
		final := filepath.Join(downloads, name)
		partial := final + ".crdownload"
		if err := os.WriteFile(partial, bytes.Repeat([]byte("q3 numbers\n"), 6), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(partial, final); err != nil {
			t.Fatal(err)
		}
		done := time.Now()
		deadline := done.Add(10 * time.Second)
		for {
			res, err := label.Read(final)
			if e, ok := res.Effective(); err == nil && ok && e.Label.ID == labelID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not labeled within 10s", name)
			}
			time.Sleep(time.Millisecond)
		}
		took := time.Since(done)
		total += took
		worst = max(worst, took)
	}
	t.Logf("download completion to label written, %d rounds: mean %s, max %s",
		protectRounds, (total / protectRounds).Round(time.Millisecond), worst.Round(time.Millisecond))
}

// measureBurst writes burstFiles files into the download folder at once,
// which the agent decides as downloads without the extension, and reports
// the peak resident memory and the time until all are decided.
func measureBurst(t *testing.T, pid int, downloads, logPath string) {
	t.Helper()
	start := time.Now()
	for i := range burstFiles {
		path := filepath.Join(downloads, fmt.Sprintf("burst-%05d.bin", i))
		if err := os.WriteFile(path, []byte(fmt.Sprintf("file %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	written := time.Since(start)
	var peak int64
	deadline := time.Now().Add(10 * time.Minute)
	for {
		peak = max(peak, rss(t, pid))
		if countLog(t, logPath, "download without extension decided") >= burstFiles {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent decided %d of %d files within 10 minutes",
				countLog(t, logPath, "download without extension decided"), burstFiles)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("burst of %d files: written in %s, all decided after %s, peak resident memory %.1f MiB",
		burstFiles, written.Round(time.Millisecond), time.Since(start).Round(time.Millisecond), mib(peak))
	time.Sleep(5 * time.Second)
	t.Logf("resident memory 5s after the burst: %.1f MiB", mib(rss(t, pid)))
}

func send(t *testing.T, ws *websocket.Conn, id string, body protocol.Body) {
	t.Helper()
	data, err := protocol.Encode(id, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, data); err != nil {
		t.Fatal(err)
	}
}

func verdict(t *testing.T, ws *websocket.Conn, id string) *protocol.Verdict {
	t.Helper()
	for {
		ws.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for verdict on %s: %v", id, err)
		}
		msg, err := protocol.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := msg.Payload.(*protocol.Verdict); ok && v.RequestID == id {
			return v
		}
	}
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times, which is 100
// on every Linux architecture Go supports.
const clockTicks = 100

// cpuTicks returns utime+stime of pid from /proc/PID/stat.
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name in brackets may contain spaces, so the fields
	// are counted from the closing bracket: utime and stime are fields
	// 14 and 15 of proc(5), the 12th and 13th after it.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("parsing /proc/%d/stat: %v %v", pid, err1, err2)
	}
	return utime + stime
}

// rss returns VmRSS of pid in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func countLog(t *testing.T, path, text string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte(text))
}

func waitLog(t *testing.T, path, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for countLog(t, path, text) == 0 {
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(path)
			t.Fatalf("agent log has no %q after %s:\n%s", text, timeout, data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
