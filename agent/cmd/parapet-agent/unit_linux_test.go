package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"parapet/agent/config"

	"github.com/kardianos/service"
)

// renderUnit returns the unit that kardianos/service's systemd backend
// writes for cfg. It installs a user unit into a temporary HOME with an
// empty PATH: Install renders and writes the file, then fails because it
// cannot find systemctl, so nothing on the machine changes.
func renderUnit(t *testing.T, cfg config.Config, configPath, executable string) string {
	t.Helper()
	registry := service.AvailableSystems()
	var systemd service.System
	for _, s := range registry {
		if s.String() == "linux-systemd" {
			systemd = s
		}
	}
	if systemd == nil {
		t.Fatal("kardianos/service lists no linux-systemd system")
	}
	// ChooseSystem keeps only systems that detect themselves, and this
	// machine may run no systemd.
	service.ChooseSystem(detected{systemd})
	t.Cleanup(func() { service.ChooseSystem(registry...) })
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("PATH", t.TempDir())

	sc, err := serviceConfig(configPath, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc.Executable = executable
	sc.Option["UserService"] = true
	svc, err := service.New(idle{}, sc)
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.Platform(); got != "linux-systemd" {
		t.Fatalf("got platform %q, want linux-systemd", got)
	}
	if err := svc.Install(); err == nil || !strings.Contains(err.Error(), "systemctl") {
		t.Fatalf("got Install error %v, want one about the missing systemctl", err)
	}
	data, err := os.ReadFile(filepath.Join(home, ".config/systemd/user", serviceName+".service"))
	if err != nil {
		t.Fatalf("unit not written: %v", err)
	}
	return string(data)
}

// detected makes a service system detect itself on any machine.
type detected struct{ service.System }

func (detected) Detect() bool { return true }

// unitEntries returns "[Section] Key=Value" for each directive of a unit
// file, without comments and blank lines.
func unitEntries(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	section := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = line
		case strings.HasPrefix(line, "ExecStart="):
			argv := splitExec(t, strings.TrimPrefix(line, "ExecStart="))
			out = append(out, section+" ExecStart="+strings.Join(argv, " | "))
		case strings.Contains(line, "="):
			out = append(out, section+" "+line)
		default:
			t.Fatalf("unparsed unit line %q", line)
		}
	}
	return out
}

// splitExec splits an ExecStart value into its words, so that the quoted
// words kardianos writes compare equal to the same words unquoted. It
// handles double quotes and backslash escapes, which is all the units here
// use.
func splitExec(t *testing.T, value string) []string {
	t.Helper()
	var words []string
	var word strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case c == '\\' && i+1 < len(value):
			i++
			word.WriteByte(value[i])
			inWord = true
		case c == '"':
			quoted = !quoted
			inWord = true
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unterminated quote in ExecStart=%s", value)
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

func packagedConfig() config.Config {
	cfg := config.Default()
	cfg.ServerURL = "https://parapet.example.test"
	cfg.StateDir = "/var/lib/parapet-agent"
	return cfg
}

func TestUnitRestartSettings(t *testing.T) {
	unit := renderUnit(t, packagedConfig(), "/etc/parapet/agent.yaml", "/usr/bin/parapet-agent")
	entries := unitEntries(t, unit)
	for _, want := range []string{
		"[Service] Restart=always",
		"[Service] RestartSec=2s",
		"[Unit] StartLimitIntervalSec=0",
		"[Service] ExecStart=/usr/bin/parapet-agent | run | --config | /etc/parapet/agent.yaml",
		"[Service] ReadWritePaths=/var/lib/parapet-agent",
		"[Install] WantedBy=multi-user.target",
	} {
		if !slices.Contains(entries, want) {
			t.Errorf("got unit without %q:\n%s", want, unit)
		}
	}
	if strings.Contains(unit, "RestartSec=120") {
		t.Errorf("got kardianos's default RestartSec=120 in the unit:\n%s", unit)
	}
}

// TestUnitMatchesPackage checks that "parapet-agent install" writes the
// directives of the unit that the Linux packages install.
func TestUnitMatchesPackage(t *testing.T) {
	packaged, err := os.ReadFile("../../../installer/linux/parapet-agent.service")
	if os.IsNotExist(err) {
		t.Skip("installer/linux/parapet-agent.service does not exist in this tree")
	}
	if err != nil {
		t.Fatal(err)
	}
	unit := renderUnit(t, packagedConfig(), "/etc/parapet/agent.yaml", "/usr/bin/parapet-agent")
	got := unitEntries(t, unit)
	want := unitEntries(t, string(packaged))
	for _, e := range want {
		if !slices.Contains(got, e) {
			t.Errorf("rendered unit lacks packaged directive %q", e)
		}
	}
	for _, e := range got {
		if !slices.Contains(want, e) {
			t.Errorf("rendered unit has %q, which the packaged unit lacks", e)
		}
	}
}

func TestUnitQuotesPaths(t *testing.T) {
	cfg := packagedConfig()
	cfg.StateDir = "/srv/parapet state"
	cfg.LogFile = "/var/log/parapet%/agent.log"
	unit := renderUnit(t, cfg, "/opt/Parapet Config/agent.yaml", "/usr/bin/parapet-agent")
	entries := unitEntries(t, unit)
	for _, want := range []string{
		"[Service] ExecStart=/usr/bin/parapet-agent | run | --config | /opt/Parapet Config/agent.yaml",
		`[Service] ReadWritePaths="/srv/parapet state" /var/log/parapet%%`,
	} {
		if !slices.Contains(entries, want) {
			t.Errorf("got unit without %q:\n%s", want, unit)
		}
	}
}

func TestSystemdPathRejectsTemplate(t *testing.T) {
	for _, p := range []string{"/srv/{{Name}}", "/srv/a\nb"} {
		if _, err := systemdPath(p); err == nil {
			t.Errorf("systemdPath(%q): got nil, want an error", p)
		}
	}
}

// TestUnitVerify runs systemd-analyze verify on the rendered units. CI
// must install Debian's systemd package: with CI=true or
// PARAPET_REQUIRE_SYSTEMD_ANALYZE=1 a missing tool fails the test.
func TestUnitVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("PARAPET_REQUIRE_SYSTEMD_ANALYZE") == "1" {
			t.Fatal("systemd-analyze not found; install the Debian package systemd")
		}
		t.Skip("systemd-analyze not found; install the Debian package systemd to run this test")
	}
	// verify checks that ExecStart is executable, so the unit runs the
	// test binary in place of the agent.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spaced := packagedConfig()
	spaced.StateDir = "/srv/parapet state"
	cases := []struct {
		name       string
		cfg        config.Config
		configPath string
	}{
		{"packaged", packagedConfig(), "/etc/parapet/agent.yaml"},
		{"spaces", spaced, "/opt/Parapet Config/agent.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			unit := renderUnit(t, c.cfg, c.configPath, self)
			path := filepath.Join(t.TempDir(), serviceName+".service")
			if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(analyze, "verify", path).CombinedOutput()
			if err != nil {
				t.Errorf("systemd-analyze verify: %v\n%s\nunit:\n%s", err, out, unit)
			}
			if len(strings.TrimSpace(string(out))) != 0 {
				t.Errorf("systemd-analyze verify printed warnings:\n%s", out)
			}
		})
	}
}
