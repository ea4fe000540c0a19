package installer_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"parapet/agent/config"
)

// TestPackages runs build-packages.sh, which builds the agent and both
// packages, and checks what the packages contain. It runs only with
// PARAPET_PACKAGE_TEST=1 and then needs dpkg-deb, rpm and shellcheck.
// PARAPET_TEST_AGENT_BIN names a prebuilt agent to package instead of
// building ./agent/cmd/parapet-agent.
func TestPackages(t *testing.T) {
	if os.Getenv("PARAPET_PACKAGE_TEST") != "1" {
		t.Skip("set PARAPET_PACKAGE_TEST=1 to build and inspect the .deb and .rpm")
	}
	dpkgDeb := requireTool(t, "dpkg-deb", "dpkg", "PARAPET_PACKAGE_TEST")
	rpm := requireTool(t, "rpm", "rpm", "PARAPET_PACKAGE_TEST")
	shellcheck := requireTool(t, "shellcheck", "shellcheck", "PARAPET_PACKAGE_TEST")

	const (
		version   = "1.2.3"
		serverURL = "https://127.0.0.1:9443"
		updateURL = "https://localhost:9443/crx/update.xml"
	)
	dist := t.TempDir()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte("-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("./installer/build-packages.sh")
	build.Dir = ".."
	build.Env = append(os.Environ(),
		"DIST="+dist,
		"PARAPET_VERSION="+version,
		"PARAPET_SERVER_URL="+serverURL,
		"PARAPET_EXTENSION_UPDATE_URL="+updateURL,
		"PARAPET_SERVER_CA_FILE="+caFile,
		"PARAPET_AGENT_BIN="+os.Getenv("PARAPET_TEST_AGENT_BIN"),
	)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build-packages.sh: %v\n%s", err, out)
	}
	deb := filepath.Join(dist, "parapet-agent_"+version+"_amd64.deb")
	rpmFile := filepath.Join(dist, "parapet-agent-"+version+"-1.x86_64.rpm")

	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	// Path and mode of every file that both packages must install. The rpm
	// puts the unit under /usr/lib, as Fedora and RHEL do.
	files := map[string]string{
		"/usr/bin/parapet-agent":                        "-rwxr-xr-x",
		"/etc/parapet/agent.yaml":                       "-rw-------",
		"/etc/parapet/server-ca.pem":                    "-rw-r--r--",
		"/etc/opt/chrome/policies/managed/parapet.json": "-rw-r--r--",
		"/etc/chromium/policies/managed/parapet.json":   "-rw-r--r--",
		"/etc/opt/edge/policies/managed/parapet.json":   "-rw-r--r--",
	}
	debFiles := map[string]string{"/lib/systemd/system/parapet-agent.service": "-rw-r--r--"}
	rpmFiles := map[string]string{"/usr/lib/systemd/system/parapet-agent.service": "-rw-r--r--"}
	for path, mode := range files {
		debFiles[path] = mode
		rpmFiles[path] = mode
	}

	t.Run("deb contents", func(t *testing.T) {
		listing := run(dpkgDeb, "-c", deb)
		for path, mode := range debFiles {
			line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(mode) + ` root/root .* \.` + regexp.QuoteMeta(path) + `$`)
			if !line.MatchString(listing) {
				t.Errorf("deb lacks %s with mode %s and owner root\n%s", path, mode, listing)
			}
		}
		info := run(dpkgDeb, "-I", deb)
		for _, want := range []string{"Package: parapet-agent", "Version: " + version, "Architecture: amd64", "postinst", "prerm", "postrm", "conffiles"} {
			if !strings.Contains(info, want) {
				t.Errorf("dpkg-deb -I lacks %q\n%s", want, info)
			}
		}
	})

	t.Run("deb conffiles and scripts", func(t *testing.T) {
		control := t.TempDir()
		run(dpkgDeb, "-e", deb, control)
		conffiles := readFile(t, filepath.Join(control, "conffiles"))
		for _, path := range []string{"/etc/parapet/agent.yaml", "/etc/parapet/server-ca.pem", "/etc/opt/chrome/policies/managed/parapet.json"} {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(path) + `$`).MatchString(conffiles) {
				t.Errorf("conffiles lacks %s\n%s", path, conffiles)
			}
		}
		scripts := []string{filepath.Join(control, "postinst"), filepath.Join(control, "prerm"), filepath.Join(control, "postrm")}
		if out, err := exec.Command(shellcheck, append([]string{"--shell=sh"}, scripts...)...).CombinedOutput(); err != nil {
			t.Errorf("shellcheck of the packaged maintainer scripts: %v\n%s", err, out)
		}
	})

	t.Run("deb files", func(t *testing.T) {
		root := t.TempDir()
		run(dpkgDeb, "-x", deb, root)
		out := run(filepath.Join(root, "usr/bin/parapet-agent"), "version")
		if os.Getenv("PARAPET_TEST_AGENT_BIN") == "" && !strings.Contains(out, version) {
			t.Errorf("parapet-agent version printed %q, expected it to contain %s", out, version)
		}
		if strings.TrimSpace(out) == "" {
			t.Error("parapet-agent version printed nothing")
		}

		cfg, err := config.Parse([]byte(readFile(t, filepath.Join(root, "etc/parapet/agent.yaml"))))
		if err != nil {
			t.Fatalf("packaged agent.yaml: %v", err)
		}
		if cfg.ServerURL != serverURL || cfg.ServerCAFile != "/etc/parapet/server-ca.pem" {
			t.Errorf("packaged agent.yaml has server_url %q and server_ca_file %q, expected %q and /etc/parapet/server-ca.pem", cfg.ServerURL, cfg.ServerCAFile, serverURL)
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("packaged agent.yaml: Validate: %v", err)
		}

		for _, path := range []string{"etc/opt/chrome", "etc/chromium", "etc/opt/edge"} {
			var policy struct{ ExtensionInstallForcelist []string }
			text := readFile(t, filepath.Join(root, path, "policies/managed/parapet.json"))
			if err := json.Unmarshal([]byte(text), &policy); err != nil {
				t.Errorf("%s policy: %v", path, err)
				continue
			}
			want := extensionID + ";" + updateURL
			if len(policy.ExtensionInstallForcelist) != 1 || policy.ExtensionInstallForcelist[0] != want {
				t.Errorf("%s ExtensionInstallForcelist = %q, expected [%q]", path, policy.ExtensionInstallForcelist, want)
			}
		}
	})

	t.Run("rpm contents", func(t *testing.T) {
		listing := run(rpm, "-qlpv", rpmFile)
		for path, mode := range rpmFiles {
			line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(mode) + `\s+1 root\s+root\s.* ` + regexp.QuoteMeta(path) + `$`)
			if !line.MatchString(listing) {
				t.Errorf("rpm lacks %s with mode %s and owner root\n%s", path, mode, listing)
			}
		}
		configs := run(rpm, "-qpc", rpmFile)
		if !strings.Contains(configs, "/etc/parapet/agent.yaml\n") {
			t.Errorf("rpm does not mark /etc/parapet/agent.yaml as a config file\n%s", configs)
		}
		scripts := run(rpm, "-qp", "--scripts", rpmFile)
		for _, want := range []string{"postinstall scriptlet", "preuninstall scriptlet", "postuninstall scriptlet"} {
			if !strings.Contains(scripts, want) {
				t.Errorf("rpm lacks the %s\n%s", want, scripts)
			}
		}
	})

	t.Run("other platforms", func(t *testing.T) {
		reg := readFile(t, filepath.Join(dist, "windows/parapet-browser-policy.reg"))
		if !strings.Contains(reg, extensionID+";"+updateURL+"\"\r\n") {
			t.Errorf("rendered .reg lacks the update URL %s on a CRLF line", updateURL)
		}
		winCfg, err := config.Parse([]byte(readFile(t, filepath.Join(dist, "windows/agent.yaml"))))
		if err != nil {
			t.Fatalf("rendered Windows agent.yaml: %v", err)
		}
		if winCfg.ServerCAFile != `C:\ProgramData\Parapet\server-ca.pem` {
			t.Errorf("Windows server_ca_file = %q", winCfg.ServerCAFile)
		}
		for _, path := range []string{"macos/parapet-chrome.mobileconfig", "windows/parapet-agent.wxs", "windows/server-ca.pem", "macos/server-ca.pem"} {
			text := readFile(t, filepath.Join(dist, path))
			if strings.Contains(text, "@PARAPET_") {
				t.Errorf("%s still contains a placeholder", path)
			}
		}
		if !strings.Contains(readFile(t, filepath.Join(dist, "windows/parapet-agent.wxs")), `Version="`+version+`"`) {
			t.Error("rendered .wxs lacks the package version")
		}
	})
}

func TestBuildScriptRejectsBadURL(t *testing.T) {
	build := exec.Command("./installer/build-packages.sh")
	build.Dir = ".."
	build.Env = append(os.Environ(), "DIST="+t.TempDir(), `PARAPET_SERVER_URL=https://127.0.0.1:8443/"x`)
	out, err := build.CombinedOutput()
	if err == nil {
		t.Fatalf("build-packages.sh accepted a URL with a quote\n%s", out)
	}
	if !strings.Contains(string(out), "PARAPET_SERVER_URL") {
		t.Errorf("error does not name PARAPET_SERVER_URL: %s", out)
	}
}
