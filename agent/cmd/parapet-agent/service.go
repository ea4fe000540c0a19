package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"parapet/agent/config"
	"parapet/agent/daemon"

	"github.com/kardianos/service"
)

// stopTimeout bounds how long Stop waits for the daemon's parts to finish
// after cancellation. systemd's default stop timeout is 90 s, so the agent
// exits well before the service manager kills it.
const stopTimeout = 10 * time.Second

func runCommand(args []string, stderr io.Writer) int {
	fs := newFlagSet("run", "Run the agent in the foreground until interrupted. The OS service runs this command.", stderr)
	var o overrides
	o.register(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	cfg, err := o.load()
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent: %v\n", err)
		return 2
	}
	p := &program{cfg: cfg, exited: make(chan struct{})}
	svcConfig, err := serviceConfig(o.configPathForService(), cfg, p.wait)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent: %v\n", err)
		return 2
	}
	svc, err := service.New(p, svcConfig)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent: setting up the service: %v\n", err)
		return 1
	}
	level := slog.LevelInfo
	if o.debug {
		level = slog.LevelDebug
	}
	logs, err := openLogs(cfg.LogFile, level, stderr, svc)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent: %v\n", err)
		return 1
	}
	defer logs.Close()
	p.base = logs.logger
	p.log = logs.logger.With("component", "agent")
	if logs.fallbackErr != nil {
		p.log.Warn("system log unavailable, logging to stderr", "error", logs.fallbackErr)
	}

	if err := svc.Run(); err != nil {
		p.log.Error("agent stopped with an error", "error", err)
		return 1
	}
	if p.err != nil {
		return 1
	}
	return 0
}

// unitSettings are the facts from the agent's config that the service
// definition depends on.
type unitSettings struct {
	// writablePaths are the folders the agent writes: state_dir and the
	// folder of log_file.
	writablePaths []string
}

func settingsFor(cfg config.Config) unitSettings {
	paths := []string{cfg.StateDir}
	if cfg.LogFile != "" {
		if dir := filepath.Dir(cfg.LogFile); dir != cfg.StateDir {
			paths = append(paths, dir)
		}
	}
	return unitSettings{writablePaths: paths}
}

// serviceConfig describes the agent to the OS service manager. The run
// command and the control commands build it the same way, so a service
// that is running can be stopped and reinstalled with the same definition.
// configPath must be absolute; when it is empty the service runs with
// flags and defaults only.
func serviceConfig(configPath string, cfg config.Config, wait func()) (*service.Config, error) {
	args := []string{"run"}
	if configPath != "" {
		args = append(args, "--config", configPath)
	}
	opts, err := platformOptions(settingsFor(cfg))
	if err != nil {
		return nil, err
	}
	if wait != nil {
		opts["RunWait"] = wait
	}
	return &service.Config{
		Name:        serviceName,
		DisplayName: "Parapet Agent",
		Description: serviceDescription,
		Arguments:   args,
		Option:      opts,
	}, nil
}

// program adapts the daemon to service.Interface. Start must not block, so
// the daemon runs in a goroutine until Stop cancels it.
type program struct {
	cfg    config.Config
	base   *slog.Logger // without a component, for the daemon's parts
	log    *slog.Logger
	cancel context.CancelFunc
	exited chan struct{}
	err    error
}

func (p *program) Start(service.Service) error {
	d, err := daemon.New(p.cfg, p.base)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.log.Info("agent started", "bridge", d.BridgeAddr(), "server_url", p.cfg.ServerURL, "state_dir", p.cfg.StateDir)
	go func() {
		p.err = d.Run(ctx)
		close(p.exited)
	}()
	return nil
}

// Stop cancels the daemon and waits up to stopTimeout for it. A part that
// does not stop in time is logged and left behind, because the process
// exits next anyway.
func (p *program) Stop(service.Service) error {
	p.cancel()
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		p.log.Error("agent did not stop in time, exiting anyway", "timeout", stopTimeout)
		return fmt.Errorf("stopping the agent: parts still running after %s", stopTimeout)
	}
	p.log.Info("agent stopped")
	return p.err
}

// wait blocks until SIGINT or SIGTERM arrives or the daemon exits by
// itself. service.Run calls it in place of its own signal wait, so an
// actor that fails also ends the process.
func (p *program) wait() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case s := <-sig:
		p.log.Info("signal received", "signal", s.String())
	case <-p.exited:
	}
}
