package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ExtensionID is the id of the development extension, fixed by the key in
// extension/manifest.json.
const ExtensionID = "ghbnpamloifnaljdabnaemelhpdehoae"

// Agent runs parapet-agent with a config file in its own state folder.
type Agent struct {
	Bin        string
	Dir        string
	BridgePort int
	User       string
	// UplinkSourceIP, when set, becomes the agent's uplink_source_ip: the
	// local address its link to the server comes from, such as 127.0.0.2
	// to make the server see a new source IP.
	UplinkSourceIP string
	// DownloadDirs are the folders the agent's download watcher watches.
	DownloadDirs []string

	proc *process
}

// NewAgent prepares an agent in dir for user.
func NewAgent(bin, dir, user string) (*Agent, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return &Agent{Bin: bin, Dir: dir, BridgePort: port, User: user}, nil
}

// ConfigPath is the agent's config file.
func (a *Agent) ConfigPath() string { return filepath.Join(a.Dir, "agent.yaml") }

// StateDir is the agent's state folder: credential, policy cache, queue.
func (a *Agent) StateDir() string { return filepath.Join(a.Dir, "agent-state") }

func (a *Agent) writeConfig(srv *Server) error {
	config := strings.Join([]string{
		"server_url: " + srv.URL(),
		"server_ca_file: " + srv.CAFile(),
		"state_dir: " + a.StateDir(),
		fmt.Sprintf("bridge_listen: 127.0.0.1:%d", a.BridgePort),
		"allowed_extension_ids: [" + ExtensionID + "]",
		"user: " + a.User,
		"verdict_timeout: 3s",
		"reconnect_min: 200ms",
		"reconnect_max: 1s",
	}, "\n") + "\n"
	if a.UplinkSourceIP != "" {
		config += "uplink_source_ip: " + a.UplinkSourceIP + "\n"
	}
	if len(a.DownloadDirs) > 0 {
		config += "download_dirs: [" + strings.Join(a.DownloadDirs, ", ") + "]\n"
	}
	return os.WriteFile(a.ConfigPath(), []byte(config), 0o600)
}

// Start runs the agent against srv and waits until its bridge listens.
func (a *Agent) Start(ctx context.Context, srv *Server) error {
	if err := a.writeConfig(srv); err != nil {
		return fmt.Errorf("writing agent config: %w", err)
	}
	env := []string{"PARAPET_ENROLL_TOKEN=" + srv.EnrollToken}
	proc, err := startProcess("parapet-agent", a.Bin, []string{"run", "--config", a.ConfigPath()}, env,
		filepath.Join(a.Dir, "agent.log"))
	if err != nil {
		return err
	}
	a.proc = proc
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = waitFor(wait, "the agent's bridge", func() (bool, error) {
		if done, exitErr := proc.exited(); done {
			return false, fmt.Errorf("parapet-agent exited: %v", exitErr)
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", a.BridgePort), time.Second)
		if err != nil {
			return false, err
		}
		conn.Close()
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%w\nagent log:\n%s", err, proc.tail())
	}
	return nil
}

// Stop ends the agent with SIGTERM.
func (a *Agent) Stop() error {
	err := a.proc.stop(10 * time.Second)
	a.proc = nil
	return err
}

// Log returns the end of the agent's log.
func (a *Agent) Log() string {
	if a.proc == nil {
		data, _ := os.ReadFile(filepath.Join(a.Dir, "agent.log"))
		return string(data)
	}
	return a.proc.tail()
}
