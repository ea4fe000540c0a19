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

	"parapet/agent/config"
	"parapet/agent/daemon"

	"github.com/kardianos/service"
)

// serviceName is the agent's name for the OS service manager.
const serviceName = "parapet-agent"

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
	level := slog.LevelInfo
	if o.debug {
		level = slog.LevelDebug
	}
	base := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	log := base.With("component", "agent")

	p := &program{cfg: cfg, base: base, log: log, exited: make(chan struct{})}
	svc, err := service.New(p, serviceConfig(o.configPath, p.wait))
	if err != nil {
		log.Error("service setup failed", "error", err)
		return 1
	}
	if err := svc.Run(); err != nil {
		log.Error("agent stopped with an error", "error", err)
		return 1
	}
	if p.err != nil {
		return 1
	}
	return 0
}

// serviceConfig describes the agent to the OS service manager. install and
// uninstall commands will pass the same config to service.Control.
func serviceConfig(configPath string, wait func()) *service.Config {
	args := []string{"run"}
	if configPath != "" {
		if abs, err := filepath.Abs(configPath); err == nil {
			configPath = abs
		}
		args = append(args, "--config", configPath)
	}
	opts := platformOptions()
	opts["RunWait"] = wait
	return &service.Config{
		Name:        serviceName,
		DisplayName: "Parapet agent",
		Description: "Relays in-app actions from the browser extension to parapet-server.",
		Arguments:   args,
		Option:      opts,
	}
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

func (p *program) Stop(service.Service) error {
	p.cancel()
	<-p.exited
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
