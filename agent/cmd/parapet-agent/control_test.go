package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kardianos/service"
)

// fakeService records the calls the control commands make. It replaces
// systemd, launchd and the Windows service manager, none of which run
// in the tests.
type fakeService struct {
	status    service.Status
	statusErr error
	failOn    string
	uninstall error
	calls     []string
	config    *service.Config
}

func (f *fakeService) call(name string) error {
	f.calls = append(f.calls, name)
	if f.failOn == name {
		return errors.New(name + " failed")
	}
	return nil
}

func (f *fakeService) Install() error { return f.call("install") }
func (f *fakeService) Uninstall() error {
	if err := f.call("uninstall"); err != nil {
		return err
	}
	return f.uninstall
}
func (f *fakeService) Start() error   { return f.call("start") }
func (f *fakeService) Stop() error    { return f.call("stop") }
func (f *fakeService) Restart() error { return f.call("restart") }
func (f *fakeService) Status() (service.Status, error) {
	f.calls = append(f.calls, "status")
	return f.status, f.statusErr
}

func (f *fakeService) factory(c *service.Config) (controller, error) {
	f.config = c
	return f, nil
}

func writeConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.yaml")
	text := "server_url: https://127.0.0.1:8443\nstate_dir: " + filepath.Join(dir, "state") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestControlCommands(t *testing.T) {
	notInstalled := service.ErrNotInstalled
	cases := []struct {
		name      string
		args      []string
		status    service.Status
		statusErr error
		failOn    string
		uninstall error
		code      int
		calls     []string
		out       string
	}{
		{"fresh install", []string{"install"}, service.StatusUnknown, notInstalled, "", nil, 0,
			[]string{"status", "install", "start"}, "installed and started"},
		{"upgrade running", []string{"install"}, service.StatusRunning, nil, "", nil, 0,
			[]string{"status", "stop", "uninstall", "install", "start"}, "upgrading"},
		{"upgrade stopped", []string{"install"}, service.StatusStopped, nil, "", nil, 0,
			[]string{"status", "uninstall", "install", "start"}, "upgrading"},
		{"upgrade failed unit", []string{"install"}, service.StatusUnknown, errors.New("service in failed state"), "", nil, 0,
			[]string{"status", "uninstall", "install", "start"}, "upgrading"},
		{"upgrade packaged unit", []string{"install"}, service.StatusStopped, nil, "", os.ErrNotExist, 0,
			[]string{"status", "uninstall", "install", "start"}, "installed and started"},
		{"upgrade stop fails", []string{"install"}, service.StatusRunning, nil, "stop", nil, 1,
			[]string{"status", "stop"}, "stopping the installed service: stop failed"},
		{"upgrade uninstall fails", []string{"install"}, service.StatusStopped, nil, "uninstall", nil, 1,
			[]string{"status", "uninstall"}, "removing the installed service definition"},
		{"install fails", []string{"install"}, service.StatusUnknown, notInstalled, "install", nil, 1,
			[]string{"status", "install"}, "installing the service: install failed"},
		{"uninstall running", []string{"uninstall"}, service.StatusRunning, nil, "", nil, 0,
			[]string{"status", "stop", "uninstall"}, "removed"},
		{"uninstall absent", []string{"uninstall"}, service.StatusUnknown, notInstalled, "", nil, 0,
			[]string{"status"}, "not installed"},
		{"start", []string{"start"}, 0, nil, "", nil, 0, []string{"start"}, "started"},
		{"start fails", []string{"start"}, 0, nil, "start", nil, 1, []string{"start"}, "starting the service: start failed"},
		{"stop", []string{"stop"}, 0, nil, "", nil, 0, []string{"stop"}, "stopped"},
		{"restart", []string{"restart"}, 0, nil, "", nil, 0, []string{"restart"}, "restarted"},
		{"status running", []string{"status"}, service.StatusRunning, nil, "", nil, statusRunning, []string{"status"}, "running"},
		{"status stopped", []string{"status"}, service.StatusStopped, nil, "", nil, statusStopped, []string{"status"}, "stopped"},
		{"status absent", []string{"status"}, service.StatusUnknown, notInstalled, "", nil, statusNotInstalled, []string{"status"}, "not installed"},
		{"status error", []string{"status"}, service.StatusUnknown, errors.New("no dbus"), "", nil, 1, []string{"status"}, "no dbus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeService{status: c.status, statusErr: c.statusErr, failOn: c.failOn, uninstall: c.uninstall}
			var out bytes.Buffer
			args := append(c.args, "--config", writeConfig(t))
			code := runWith(args, &out, &out, f.factory)
			if code != c.code {
				t.Errorf("got exit code %d, want %d; output:\n%s", code, c.code, out.String())
			}
			if !slices.Equal(f.calls, c.calls) {
				t.Errorf("got calls %v, want %v", f.calls, c.calls)
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("got output %q, want it to contain %q", out.String(), c.out)
			}
		})
	}
}

func TestInstallPassesConfig(t *testing.T) {
	f := &fakeService{statusErr: service.ErrNotInstalled}
	path := writeConfig(t)
	var out bytes.Buffer
	if code := runWith([]string{"install", "--config", path}, &out, &out, f.factory); code != 0 {
		t.Fatalf("got exit code %d, want 0; output:\n%s", code, out.String())
	}
	want := []string{"run", "--config", path}
	if !slices.Equal(f.config.Arguments, want) {
		t.Errorf("got arguments %v, want %v", f.config.Arguments, want)
	}
	if f.config.Name != serviceName {
		t.Errorf("got service name %q, want %q", f.config.Name, serviceName)
	}
}

func TestInstallRejectsInvalidConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agent.yaml")
	if err := os.WriteFile(path, []byte("server_url: http://insecure.test\nstate_dir: /tmp/x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fakeService{}
	var out bytes.Buffer
	code := runWith([]string{"install", "--config", path}, &out, &out, f.factory)
	if code != 2 {
		t.Errorf("got exit code %d, want 2", code)
	}
	if !strings.Contains(out.String(), "server_url") {
		t.Errorf("got output %q, want it to name server_url", out.String())
	}
	if len(f.calls) != 0 {
		t.Errorf("got calls %v, want none for an invalid config", f.calls)
	}
}
