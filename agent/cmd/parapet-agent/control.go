package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"parapet/agent/config"

	"github.com/kardianos/service"
)

// controller is the part of service.Service that the control commands use.
// Tests replace the OS service manager with a fake through it.
type controller interface {
	Install() error
	Uninstall() error
	Start() error
	Stop() error
	Restart() error
	Status() (service.Status, error)
}

// newController returns the OS service for cfg. The control commands never
// run the agent, so its Interface is a stub.
type newController func(*service.Config) (controller, error)

func osController(c *service.Config) (controller, error) {
	return service.New(idle{}, c)
}

// idle is the service.Interface of a process that only controls the service.
type idle struct{}

func (idle) Start(service.Service) error { return nil }
func (idle) Stop(service.Service) error  { return nil }

// Exit codes of the status command, as in the LSB init script conventions.
const (
	statusRunning      = 0
	statusStopped      = 3
	statusNotInstalled = 4
)

var controlSummaries = map[string]string{
	"install": "Install the agent as an OS service and start it. Over an existing install it\n" +
		"upgrades: it stops the service, rewrites the service definition for this binary and\n" +
		"config file, and starts it again. The config file must exist and be valid.",
	"uninstall": "Stop the OS service and remove it. Config and state stay in place.",
	"start":     "Start the installed OS service.",
	"stop":      "Stop the OS service.",
	"restart":   "Restart the OS service.",
	"status": "Print whether the OS service is running. Exit code 0: running, 3: stopped,\n" +
		"4: not installed, 1: the state could not be read.",
}

// controlCommand runs one of the service commands named in controlSummaries.
func controlCommand(name string, args []string, stdout, stderr io.Writer, newSvc newController) int {
	fs := newFlagSet(name, controlSummaries[name], stderr)
	configPath := fs.String("config", config.DefaultPath(), "YAML config `file` that the service runs with")
	if code, done := parse(fs, args); done {
		return code
	}
	abs, err := filepath.Abs(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent %s: resolving --config: %v\n", name, err)
		return 2
	}
	cfg := config.Default()
	if name == "install" {
		// A service without a valid config would only restart in a loop.
		if cfg, err = loadForInstall(abs); err != nil {
			fmt.Fprintf(stderr, "parapet-agent install: %v\n", err)
			return 2
		}
	}
	svcConfig, err := serviceConfig(abs, cfg, nil)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent %s: %v\n", name, err)
		return 2
	}
	svc, err := newSvc(svcConfig)
	if err != nil {
		fmt.Fprintf(stderr, "parapet-agent %s: connecting to the service manager: %v\n", name, err)
		return 1
	}
	if name == "status" {
		return printStatus(svc, stdout, stderr)
	}
	if err := control(name, svc, cfg, stdout); err != nil {
		fmt.Fprintf(stderr, "parapet-agent %s: %v\n", name, err)
		return 1
	}
	return 0
}

func loadForInstall(path string) (config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, fmt.Errorf("%w. Write the config file first, or pass --config", err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("checking config %s: %w", path, err)
	}
	return cfg, nil
}

func control(name string, svc controller, cfg config.Config, stdout io.Writer) error {
	switch name {
	case "install":
		return install(svc, cfg, stdout)
	case "uninstall":
		return uninstall(svc, stdout)
	case "start":
		if err := svc.Start(); err != nil {
			return fmt.Errorf("starting the service: %w", err)
		}
		fmt.Fprintln(stdout, "parapet-agent service started")
	case "stop":
		if err := svc.Stop(); err != nil {
			return fmt.Errorf("stopping the service: %w", err)
		}
		fmt.Fprintln(stdout, "parapet-agent service stopped")
	case "restart":
		if err := svc.Restart(); err != nil {
			return fmt.Errorf("restarting the service: %w", err)
		}
		fmt.Fprintln(stdout, "parapet-agent service restarted")
	default:
		return fmt.Errorf("unknown service command %q", name)
	}
	return nil
}

// install installs and starts the service. When a service of the same name
// exists, it is stopped and its definition removed first, so that running
// install again upgrades the binary path, the arguments and the unit
// settings instead of failing.
func install(svc controller, cfg config.Config, stdout io.Writer) error {
	status, err := svc.Status()
	installed := !errors.Is(err, service.ErrNotInstalled)
	if installed {
		fmt.Fprintln(stdout, "parapet-agent service is already installed; upgrading it")
		if status == service.StatusRunning {
			if err := svc.Stop(); err != nil {
				return fmt.Errorf("stopping the installed service: %w", err)
			}
		}
		// A definition that exists only where kardianos does not write,
		// such as a packaged unit in /lib/systemd/system, cannot be removed
		// here. The new definition takes precedence over it.
		if err := svc.Uninstall(); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing the installed service definition: %w", err)
		}
	}
	if err := prepareInstall(settingsFor(cfg)); err != nil {
		return err
	}
	if err := svc.Install(); err != nil {
		return fmt.Errorf("installing the service: %w", err)
	}
	if err := svc.Start(); err != nil {
		return fmt.Errorf("starting the service: %w", err)
	}
	fmt.Fprintln(stdout, "parapet-agent service installed and started")
	return nil
}

func uninstall(svc controller, stdout io.Writer) error {
	status, err := svc.Status()
	if errors.Is(err, service.ErrNotInstalled) {
		fmt.Fprintln(stdout, "parapet-agent service is not installed")
		return nil
	}
	if status == service.StatusRunning {
		if err := svc.Stop(); err != nil {
			return fmt.Errorf("stopping the service: %w", err)
		}
	}
	if err := svc.Uninstall(); err != nil {
		return fmt.Errorf("removing the service: %w", err)
	}
	fmt.Fprintln(stdout, "parapet-agent service removed")
	return nil
}

func printStatus(svc controller, stdout, stderr io.Writer) int {
	status, err := svc.Status()
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		fmt.Fprintln(stdout, "not installed")
		return statusNotInstalled
	case err != nil:
		fmt.Fprintf(stderr, "parapet-agent status: reading the service state: %v\n", err)
		return 1
	case status == service.StatusRunning:
		fmt.Fprintln(stdout, "running")
		return statusRunning
	case status == service.StatusStopped:
		fmt.Fprintln(stdout, "stopped")
		return statusStopped
	}
	fmt.Fprintln(stdout, "unknown")
	return 1
}
