package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parapet/test/sampleapp"
)

// AppHostPlaceholder in a policy file is replaced with the sample app's
// host:port before the server reads it.
const AppHostPlaceholder = "${APP_HOST}"

// Options configure Start.
type Options struct {
	// Dir is an empty folder for every file the programs write.
	Dir string
	// BinDir holds parapet-server and parapet-agent.
	BinDir string
	// Policies is the text of the server's policy file.
	Policies string
	// User is the device's user.
	User string
	// Headless runs Chromium without a window even when a display exists.
	Headless bool
	// NoBrowser skips Chromium, for runs where a person brings their own.
	NoBrowser bool
	// AppAddr is the sample app's listen address; empty picks a free port.
	AppAddr string
	// ServerAddr is the server's listen address; empty picks a free port.
	ServerAddr string
	// BridgePort is the agent's bridge port; zero picks a free port.
	BridgePort int
	// APIPolicies runs the server with policies managed through its API
	// and applies Policies with PUT /api/v1/policy.
	APIPolicies bool
	// ServerArgs and ServerEnv are added to parapet-server's command line
	// and environment.
	ServerArgs []string
	ServerEnv  []string
}

// Env is a running Parapet installation: server, agent, sample app and,
// unless Options.NoBrowser, a browser with the extension.
type Env struct {
	Dir     string
	Server  *Server
	Agent   *Agent
	App     *sampleapp.App
	AppURL  string
	Browser *Browser

	appServer *http.Server
}

// Start brings up every part and waits until the extension is connected to
// the agent and the agent to the server.
func Start(ctx context.Context, opts Options) (*Env, error) {
	e := &Env{Dir: opts.Dir}
	if err := e.startApp(opts.AppAddr); err != nil {
		return nil, err
	}
	host := strings.TrimPrefix(e.AppURL, "http://")
	host = strings.TrimSuffix(host, "/")
	policyPath := filepath.Join(opts.Dir, "policies.yaml")
	policies := strings.ReplaceAll(opts.Policies, AppHostPlaceholder, host)
	if err := os.WriteFile(policyPath, []byte(policies), 0o600); err != nil {
		e.Close()
		return nil, fmt.Errorf("writing policies: %w", err)
	}
	var err error
	if e.Server, err = NewServer(filepath.Join(opts.BinDir, "parapet-server"), opts.Dir, policyPath); err != nil {
		e.Close()
		return nil, err
	}
	if opts.ServerAddr != "" {
		e.Server.Addr = opts.ServerAddr
	}
	e.Server.APIPolicies = opts.APIPolicies
	e.Server.ExtraArgs = opts.ServerArgs
	e.Server.ExtraEnv = opts.ServerEnv
	if err := e.Server.Start(ctx); err != nil {
		e.Close()
		return nil, err
	}
	if opts.APIPolicies {
		if err := e.Server.PutPolicy(ctx, []byte(policies)); err != nil {
			e.Close()
			return nil, err
		}
	}
	if e.Agent, err = NewAgent(filepath.Join(opts.BinDir, "parapet-agent"), opts.Dir, opts.User); err != nil {
		e.Close()
		return nil, err
	}
	if opts.BridgePort != 0 {
		e.Agent.BridgePort = opts.BridgePort
	}
	// The agent watches the folder the test browser downloads into, which
	// must exist before the watcher starts.
	downloads := filepath.Join(opts.Dir, "Downloads")
	if err := os.MkdirAll(downloads, 0o700); err != nil {
		e.Close()
		return nil, err
	}
	if !opts.NoBrowser {
		e.Agent.DownloadDirs = []string{downloads}
	}
	if err := e.Agent.Start(ctx, e.Server); err != nil {
		e.Close()
		return nil, err
	}
	if opts.NoBrowser {
		return e, nil
	}
	root, err := RepoRoot()
	if err != nil {
		e.Close()
		return nil, err
	}
	e.Browser, err = StartBrowser(ctx, BrowserOptions{Dir: opts.Dir, ExtensionDir: filepath.Join(root, "extension"), Headless: opts.Headless})
	if err != nil {
		e.Close()
		return nil, err
	}
	if err := e.ConnectExtension(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Env) startApp(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("starting sample app: %w", err)
	}
	logFile, err := os.OpenFile(filepath.Join(e.Dir, "sampleapp.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		ln.Close()
		return err
	}
	e.App = sampleapp.New(slog.New(slog.NewTextHandler(logFile, nil)))
	e.AppURL = "http://" + ln.Addr().String() + "/"
	e.appServer = &http.Server{Handler: e.App.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go e.appServer.Serve(ln)
	return nil
}

// extensionReadyExpr is true once the extension's service worker holds a
// live agent link and the agent's list of protected apps.
const extensionReadyExpr = `chrome.storage.session.get(["agent", "policy"]).then(s =>
	!!(s.agent && s.agent.connected && s.policy && Array.isArray(s.policy.apps) && s.policy.apps.length > 0))`

// ExtensionConnected reports whether the extension is connected to the
// agent and has the app list.
func (e *Env) ExtensionConnected(ctx context.Context) (bool, error) {
	out, err := e.Browser.EvalExtension(ctx, extensionReadyExpr)
	return string(out) == "true", err
}

// ConnectExtension points the extension at the agent's bridge port and
// waits until the extension reports a connection with the app list.
func (e *Env) ConnectExtension(ctx context.Context) error {
	set := fmt.Sprintf(`chrome.storage.local.set({bridgePort: %d}).then(() => true)`, e.Agent.BridgePort)
	if _, err := e.Browser.EvalExtension(ctx, set); err != nil {
		return fmt.Errorf("setting the extension's bridge port: %w", err)
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err := waitFor(wait, "the extension to connect to the agent", func() (bool, error) {
		out, err := e.Browser.EvalExtension(ctx, extensionReadyExpr)
		if err != nil {
			return false, err
		}
		return string(out) == "true", nil
	})
	if err != nil {
		return fmt.Errorf("%w\nagent log:\n%s", err, e.Agent.Log())
	}
	return nil
}

// Close stops everything Start started.
func (e *Env) Close() error {
	var errs []error
	if e.Browser != nil {
		e.Browser.Close()
	}
	if e.Agent != nil && e.Agent.proc != nil {
		errs = append(errs, e.Agent.Stop())
	}
	if e.Server != nil && e.Server.proc != nil {
		errs = append(errs, e.Server.Stop())
	}
	if e.appServer != nil {
		errs = append(errs, e.appServer.Close())
	}
	return errors.Join(errs...)
}
