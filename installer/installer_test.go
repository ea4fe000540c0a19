// Tests of the deployment files in installer/. They read the templates,
// fill in the default values as build-packages.sh does, and check each file
// with a strict parser: the agent's own for agent.yaml, and encoding/json,
// encoding/xml or a parser in helpers_test.go for the rest.
package installer_test

import (
	"encoding/json"
	"encoding/xml"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"parapet/agent/config"
)

var uuidPattern = regexp.MustCompile(`^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$`)

func TestPlaceholdersAreRendered(t *testing.T) {
	script := readFile(t, "build-packages.sh")
	placeholder := regexp.MustCompile(`@PARAPET_[A-Z_]+@`)
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || path == "build-packages.sh" {
			return err
		}
		for _, name := range placeholder.FindAllString(readFile(t, path), -1) {
			if _, ok := templateValues[name]; !ok {
				t.Errorf("%s: placeholder %s has no default in the tests", path, name)
			}
			if !strings.Contains(script, "s|"+name+"|") {
				t.Errorf("%s: placeholder %s is not replaced by build-packages.sh", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every URL in the installer files and the deployment guides must point at
// loopback: the organization's own addresses come in at build time.
func TestURLsPointAtLoopbackOnly(t *testing.T) {
	urlPattern := regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>(){}$\x60\]]*(\][^\s"'<>(){}$\x60]*)?`)
	// XML namespace names, which no tool fetches.
	namespaces := []string{
		"http://wixtoolset.org/schemas/v4/wxs",
		"http://wixtoolset.org/schemas/v4/wxs/util",
	}
	// Browser-internal schemes that name no host on the network.
	localSchemes := []string{"chrome", "edge", "chrome-extension", "file"}
	loopback := []string{"127.0.0.1", "localhost", "::1"}

	for _, root := range []string{".", "../docs/deploy"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".sum") || strings.HasSuffix(path, "go.mod") {
				return err
			}
			for _, raw := range urlPattern.FindAllString(readFile(t, path), -1) {
				raw = strings.TrimRight(raw, ".,;:")
				if slices.Contains(namespaces, raw) {
					continue
				}
				u, err := url.Parse(raw)
				if err != nil {
					t.Errorf("%s: %q is not a URL: %v", path, raw, err)
					continue
				}
				// A bare "https://", as in a pattern or a message, names no host.
				if slices.Contains(localSchemes, u.Scheme) || u.Host == "" {
					continue
				}
				if !slices.Contains(loopback, u.Hostname()) {
					t.Errorf("%s: %q points at host %q, which is not loopback", path, raw, u.Hostname())
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestLinuxBrowserPolicy(t *testing.T) {
	var policy struct {
		ExtensionInstallForcelist []string
		ThirdParty                struct {
			Extensions map[string]map[string]any `json:"extensions"`
		} `json:"3rdparty"`
	}
	dec := json.NewDecoder(strings.NewReader(renderFile(t, "linux/browser-policy.json", "")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&policy); err != nil {
		t.Fatalf("parsing linux/browser-policy.json: %v", err)
	}
	want := []string{extensionID + ";" + defaultUpdateURL}
	if !slices.Equal(policy.ExtensionInstallForcelist, want) {
		t.Errorf("ExtensionInstallForcelist = %q, expected %q", policy.ExtensionInstallForcelist, want)
	}
	settings, ok := policy.ThirdParty.Extensions[extensionID]
	if !ok {
		t.Fatalf("3rdparty.extensions has no entry for %s", extensionID)
	}
	if got, _ := settings["bridgePort"].(float64); got != bridgePort {
		t.Errorf("bridgePort = %v, expected %d", settings["bridgePort"], bridgePort)
	}
}

func TestAgentConfigs(t *testing.T) {
	cases := []struct {
		path, caPath, stateDir, tokenFile string
	}{
		{"linux/agent.yaml", "/etc/parapet/server-ca.pem", "/var/lib/parapet-agent", "/etc/parapet/enroll-token"},
		{"macos/agent.yaml", "/Library/Application Support/Parapet/server-ca.pem", "/Library/Application Support/Parapet/state", "/Library/Application Support/Parapet/enroll-token"},
		{"windows/agent.yaml", `C:\ProgramData\Parapet\server-ca.pem`, `C:\ProgramData\Parapet\state`, `C:\ProgramData\Parapet\enroll-token`},
	}
	for _, tc := range cases {
		for _, caPath := range []string{"", tc.caPath} {
			cfg, err := config.Parse([]byte(renderFile(t, tc.path, caPath)))
			if err != nil {
				t.Errorf("%s (server_ca_file %q): agent config parser rejected it: %v", tc.path, caPath, err)
				continue
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("%s: Validate: %v", tc.path, err)
			}
			if cfg.ServerURL != defaultServerURL {
				t.Errorf("%s: server_url = %q, expected %q", tc.path, cfg.ServerURL, defaultServerURL)
			}
			if cfg.ServerCAFile != caPath {
				t.Errorf("%s: server_ca_file = %q, expected %q", tc.path, cfg.ServerCAFile, caPath)
			}
			if cfg.StateDir != tc.stateDir {
				t.Errorf("%s: state_dir = %q, expected %q", tc.path, cfg.StateDir, tc.stateDir)
			}
			if cfg.BridgeListen != "127.0.0.1:47801" {
				t.Errorf("%s: bridge_listen = %q, expected 127.0.0.1:47801", tc.path, cfg.BridgeListen)
			}
			if !slices.Equal(cfg.AllowedExtensionIDs, []string{extensionID}) {
				t.Errorf("%s: allowed_extension_ids = %q, expected [%s]", tc.path, cfg.AllowedExtensionIDs, extensionID)
			}
			if cfg.EnrollTokenFile != tc.tokenFile {
				t.Errorf("%s: enroll_token_file = %q, expected %q", tc.path, cfg.EnrollTokenFile, tc.tokenFile)
			}
		}
	}
}

func decodePlistFile(t *testing.T, path string) map[string]any {
	t.Helper()
	value, err := decodePlist(renderFile(t, path, ""))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dict, ok := value.(map[string]any)
	if !ok {
		t.Fatalf("%s: top-level value is %T, expected <dict>", path, value)
	}
	return dict
}

func TestLaunchdPlist(t *testing.T) {
	job := decodePlistFile(t, "macos/parapet.agent.plist")
	if job["Label"] != "parapet.agent" {
		t.Errorf("Label = %v, expected parapet.agent", job["Label"])
	}
	args, _ := job["ProgramArguments"].([]any)
	wantArgs := []any{"/usr/local/bin/parapet-agent", "run", "--config", "/Library/Application Support/Parapet/agent.yaml"}
	if !slices.Equal(args, wantArgs) {
		t.Errorf("ProgramArguments = %v, expected %v", args, wantArgs)
	}
	if job["KeepAlive"] != true {
		t.Errorf("KeepAlive = %v, expected true", job["KeepAlive"])
	}
	if job["RunAtLoad"] != true {
		t.Errorf("RunAtLoad = %v, expected true", job["RunAtLoad"])
	}
	if throttle, ok := job["ThrottleInterval"].(int64); !ok || throttle < 1 || throttle > 5 {
		t.Errorf("ThrottleInterval = %v, expected 1 to 5 seconds", job["ThrottleInterval"])
	}
}

// checkPayload checks the keys that macOS requires in every payload and
// returns the payload's UUID.
func checkPayload(t *testing.T, where string, payload map[string]any) string {
	t.Helper()
	for _, key := range []string{"PayloadType", "PayloadIdentifier", "PayloadUUID"} {
		if s, _ := payload[key].(string); s == "" {
			t.Errorf("%s: %s is missing or not a string", where, key)
		}
	}
	if payload["PayloadVersion"] != int64(1) {
		t.Errorf("%s: PayloadVersion = %v, expected integer 1", where, payload["PayloadVersion"])
	}
	id, _ := payload["PayloadUUID"].(string)
	if !uuidPattern.MatchString(id) {
		t.Errorf("%s: PayloadUUID %q is not an upper-case UUID", where, id)
	}
	return id
}

// payloadsByType checks a configuration profile's envelope and returns its
// payloads by PayloadType.
func payloadsByType(t *testing.T, path string, seenUUIDs map[string]string) map[string]map[string]any {
	t.Helper()
	profile := decodePlistFile(t, path)
	if profile["PayloadType"] != "Configuration" {
		t.Errorf("%s: PayloadType = %v, expected Configuration", path, profile["PayloadType"])
	}
	ids := []string{checkPayload(t, path, profile)}
	content, ok := profile["PayloadContent"].([]any)
	if !ok || len(content) == 0 {
		t.Fatalf("%s: PayloadContent is missing or empty", path)
	}
	byType := map[string]map[string]any{}
	for i, item := range content {
		payload, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("%s: PayloadContent[%d] is %T, expected <dict>", path, i, item)
		}
		ids = append(ids, checkPayload(t, path+" PayloadContent["+strconv.Itoa(i)+"]", payload))
		payloadType, _ := payload["PayloadType"].(string)
		byType[payloadType] = payload
	}
	for _, id := range ids {
		if other, dup := seenUUIDs[id]; dup {
			t.Errorf("%s: PayloadUUID %s is also used in %s", path, id, other)
		}
		seenUUIDs[id] = path
	}
	return byType
}

func TestBrowserProfiles(t *testing.T) {
	seen := map[string]string{}
	for path, domain := range map[string]string{
		"macos/parapet-chrome.mobileconfig": "com.google.Chrome",
		"macos/parapet-edge.mobileconfig":   "com.microsoft.Edge",
	} {
		payloads := payloadsByType(t, path, seen)

		policy, ok := payloads[domain]
		if !ok {
			t.Errorf("%s: no payload of type %s", path, domain)
		} else {
			list, _ := policy["ExtensionInstallForcelist"].([]any)
			want := []any{extensionID + ";" + defaultUpdateURL}
			if !slices.Equal(list, want) {
				t.Errorf("%s: ExtensionInstallForcelist = %v, expected %v", path, list, want)
			}
		}
		// macOS browsers read extension settings from their own
		// preference domain, DOMAIN.extensions.ID.
		settingsType := domain + ".extensions." + extensionID
		settings, ok := payloads[settingsType]
		if !ok {
			t.Errorf("%s: no payload of type %s", path, settingsType)
		} else if settings["bridgePort"] != int64(bridgePort) {
			t.Errorf("%s: bridgePort = %v, expected %d", path, settings["bridgePort"], bridgePort)
		}
	}

	payloads := payloadsByType(t, "macos/parapet-agent-pppc.mobileconfig", seen)
	tcc, ok := payloads["com.apple.TCC.configuration-profile-policy"]
	if !ok {
		t.Fatal("parapet-agent-pppc.mobileconfig: no TCC payload")
	}
	services, _ := tcc["Services"].(map[string]any)
	entries, _ := services["SystemPolicyAllFiles"].([]any)
	if len(entries) != 1 {
		t.Fatalf("parapet-agent-pppc.mobileconfig: SystemPolicyAllFiles has %d entries, expected 1", len(entries))
	}
	entry, _ := entries[0].(map[string]any)
	if entry["Identifier"] != "/usr/local/bin/parapet-agent" || entry["IdentifierType"] != "path" {
		t.Errorf("SystemPolicyAllFiles entry names %v (%v), expected path /usr/local/bin/parapet-agent", entry["Identifier"], entry["IdentifierType"])
	}
	if entry["Authorization"] != "Allow" {
		t.Errorf("SystemPolicyAllFiles Authorization = %v, expected Allow", entry["Authorization"])
	}
	if s, _ := entry["CodeRequirement"].(string); s == "" {
		t.Error("SystemPolicyAllFiles CodeRequirement is empty")
	}
}

func TestWixSource(t *testing.T) {
	const wixNS = "http://wixtoolset.org/schemas/v4/wxs"
	const utilNS = "http://wixtoolset.org/schemas/v4/wxs/util"
	var root xmlNode
	if err := xml.Unmarshal([]byte(renderFile(t, "windows/parapet-agent.wxs", "")), &root); err != nil {
		t.Fatalf("parsing parapet-agent.wxs: %v", err)
	}
	if root.XMLName.Space != wixNS || root.XMLName.Local != "Wix" {
		t.Fatalf("root element is {%s}%s, expected {%s}Wix", root.XMLName.Space, root.XMLName.Local, wixNS)
	}
	packages := root.find(wixNS, "Package")
	if len(packages) != 1 {
		t.Fatalf("found %d <Package> elements, expected 1", len(packages))
	}
	if v := packages[0].attr("Version"); v != "0.1.0" {
		t.Errorf("Package Version = %q, expected 0.1.0", v)
	}
	if s := packages[0].attr("Scope"); s != "perMachine" {
		t.Errorf("Package Scope = %q, expected perMachine", s)
	}

	installs := root.find(wixNS, "ServiceInstall")
	if len(installs) != 1 {
		t.Fatalf("found %d <ServiceInstall> elements, expected 1", len(installs))
	}
	service := installs[0]
	for key, want := range map[string]string{"Name": "ParapetAgent", "Start": "auto", "Type": "ownProcess", "Account": "LocalSystem"} {
		if got := service.attr(key); got != want {
			t.Errorf("ServiceInstall %s = %q, expected %q", key, got, want)
		}
	}
	if args := service.attr("Arguments"); args != `run --config "[DATAFOLDER]agent.yaml"` {
		t.Errorf("ServiceInstall Arguments = %q", args)
	}
	recovery := service.find(utilNS, "ServiceConfig")
	if len(recovery) != 1 {
		t.Fatalf("ServiceInstall has %d util:ServiceConfig elements, expected 1", len(recovery))
	}
	for _, key := range []string{"FirstFailureActionType", "SecondFailureActionType", "ThirdFailureActionType"} {
		if got := recovery[0].attr(key); got != "restart" {
			t.Errorf("util:ServiceConfig %s = %q, expected restart", key, got)
		}
	}
	if delay, err := strconv.Atoi(recovery[0].attr("RestartServiceDelayInSeconds")); err != nil || delay < 1 || delay > 5 {
		t.Errorf("RestartServiceDelayInSeconds = %q, expected 1 to 5", recovery[0].attr("RestartServiceDelayInSeconds"))
	}

	controls := root.find(wixNS, "ServiceControl")
	if len(controls) != 1 {
		t.Fatalf("found %d <ServiceControl> elements, expected 1", len(controls))
	}
	for key, want := range map[string]string{"Name": "ParapetAgent", "Start": "install", "Stop": "both", "Remove": "uninstall", "Wait": "yes"} {
		if got := controls[0].attr(key); got != want {
			t.Errorf("ServiceControl %s = %q, expected %q", key, got, want)
		}
	}

	var configComponent *xmlNode
	for _, component := range root.find(wixNS, "Component") {
		for _, file := range component.find(wixNS, "File") {
			if file.attr("Name") == "agent.yaml" {
				configComponent = &component
			}
		}
	}
	if configComponent == nil {
		t.Fatal("no component installs agent.yaml")
	}
	if configComponent.attr("Directory") != "DATAFOLDER" {
		t.Errorf("agent.yaml goes to %q, expected DATAFOLDER", configComponent.attr("Directory"))
	}
	if configComponent.attr("NeverOverwrite") != "yes" {
		t.Error("agent.yaml component lacks NeverOverwrite=\"yes\", so an upgrade would replace an edited config")
	}
	acl := configComponent.find(wixNS, "PermissionEx")
	if len(acl) != 1 {
		t.Fatalf("agent.yaml component has %d PermissionEx elements, expected 1", len(acl))
	}
	sddl := acl[0].attr("Sddl")
	if !strings.Contains(sddl, "D:P") {
		t.Errorf("data folder SDDL %q does not block inherited access (D:P)", sddl)
	}
	for _, sid := range []string{";;;BU)", ";;;WD)", ";;;AU)"} {
		if strings.Contains(sddl, sid) {
			t.Errorf("data folder SDDL %q grants access to users (%s)", sddl, sid)
		}
	}
	var dataFolder bool
	for _, dir := range root.find(wixNS, "StandardDirectory") {
		if dir.attr("Id") == "CommonAppDataFolder" && len(dir.Children) == 1 && dir.Children[0].attr("Id") == "DATAFOLDER" {
			dataFolder = true
		}
	}
	if !dataFolder {
		t.Error("DATAFOLDER is not directly under CommonAppDataFolder (ProgramData)")
	}
}

// parseReg returns the values of a .reg file by key, as the text after "=".
func parseReg(t *testing.T, text string) map[string]map[string]string {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if lines[0] != "Windows Registry Editor Version 5.00" {
		t.Fatalf("first line is %q, expected the regedit 5.00 header", lines[0])
	}
	keys := map[string]map[string]string{}
	key := ""
	for i, line := range lines[1:] {
		switch {
		case line == "" || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			key = line[1 : len(line)-1]
			keys[key] = map[string]string{}
		case strings.HasPrefix(line, `"`) && key != "":
			name, value, ok := strings.Cut(line, `"=`)
			if !ok {
				t.Fatalf("line %d: %q is not \"NAME\"=VALUE", i+2, line)
			}
			keys[key][strings.TrimPrefix(name, `"`)] = value
		default:
			t.Fatalf("line %d: unexpected %q", i+2, line)
		}
	}
	return keys
}

func TestRegistryPolicy(t *testing.T) {
	keys := parseReg(t, renderFile(t, "windows/parapet-browser-policy.reg", ""))
	for _, browser := range []string{`Google\Chrome`, `Microsoft\Edge`} {
		base := `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\` + browser
		forcelist, ok := keys[base+`\ExtensionInstallForcelist`]
		if !ok {
			t.Errorf("no key %s\\ExtensionInstallForcelist", base)
		} else if want := `"` + extensionID + ";" + defaultUpdateURL + `"`; forcelist["1"] != want {
			t.Errorf("%s forcelist entry 1 = %s, expected %s", browser, forcelist["1"], want)
		}
		settings, ok := keys[base+`\3rdparty\extensions\`+extensionID+`\policy`]
		if !ok {
			t.Errorf("no 3rdparty policy key for %s", browser)
			continue
		}
		hex, ok := strings.CutPrefix(settings["bridgePort"], "dword:")
		port, err := strconv.ParseUint(hex, 16, 32)
		if !ok || len(hex) != 8 || err != nil || port != bridgePort {
			t.Errorf("%s bridgePort = %s, expected dword:%08x (%d)", browser, settings["bridgePort"], bridgePort, bridgePort)
		}
	}
}

func TestPowerShellPolicyScript(t *testing.T) {
	script := renderFile(t, "windows/Set-ParapetBrowserPolicy.ps1", "")
	for _, want := range []string{
		"$ExtensionId = '" + extensionID + "'",
		"$UpdateUrl = '" + defaultUpdateURL + "'",
		"$BridgePort = " + strconv.Itoa(bridgePort),
		`'HKLM:\SOFTWARE\Policies\Google\Chrome'`,
		`'HKLM:\SOFTWARE\Policies\Microsoft\Edge'`,
		`"3rdparty\extensions\$ExtensionId\policy"`,
		"-PropertyType DWord",
		"$ErrorActionPreference = 'Stop'",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("Set-ParapetBrowserPolicy.ps1 lacks %q", want)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	unit := parseUnit(t, readFile(t, "linux/parapet-agent.service"))
	for key, want := range map[string]string{
		"Type":             "simple",
		"ExecStart":        "/usr/bin/parapet-agent run --config /etc/parapet/agent.yaml",
		"Restart":          "always",
		"NoNewPrivileges":  "yes",
		"ProtectSystem":    "strict",
		"PrivateTmp":       "yes",
		"StateDirectory":   "parapet-agent",
		"ProtectHome":      "read-only",
		"ReadWritePaths":   "/var/lib/parapet-agent",
		"SystemCallFilter": "@system-service",
	} {
		if got := unit.last("Service", key); got != want {
			t.Errorf("[Service] %s = %q, expected %q", key, got, want)
		}
	}
	restartSec, err := time.ParseDuration(unit.last("Service", "RestartSec"))
	if err != nil || restartSec <= 0 || restartSec > 5*time.Second {
		t.Errorf("RestartSec = %q, expected a duration up to 5s", unit.last("Service", "RestartSec"))
	}
	if got := unit.last("Unit", "StartLimitIntervalSec"); got != "0" {
		t.Errorf("StartLimitIntervalSec = %q, expected 0, so systemd never gives up restarting", got)
	}
	// The agent reads users' downloads, so /home must stay readable.
	for _, key := range []string{"InaccessiblePaths", "TemporaryFileSystem"} {
		for _, value := range unit["Service"][key] {
			if strings.Contains(value, "/home") {
				t.Errorf("%s=%s hides /home from the agent", key, value)
			}
		}
	}
	if caps := unit.last("Service", "CapabilityBoundingSet"); !strings.Contains(caps, "CAP_DAC_READ_SEARCH") {
		t.Errorf("CapabilityBoundingSet = %q lacks CAP_DAC_READ_SEARCH, which reading other users' files needs", caps)
	}
	if got := unit.last("Install", "WantedBy"); got != "multi-user.target" {
		t.Errorf("[Install] WantedBy = %q, expected multi-user.target", got)
	}
}

// requireTool returns the path of a command, or skips the test when it is
// missing and envVar is not "1".
func requireTool(t *testing.T, name, debianPackage, envVar string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv(envVar) == "1" {
		t.Fatalf("%s not found, but %s=1: install the Debian package %s", name, envVar, debianPackage)
	}
	t.Skipf("%s not found; install the Debian package %s, or set %s=1 to make this a failure", name, debianPackage, envVar)
	return ""
}

func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze := requireTool(t, "systemd-analyze", "systemd", "PARAPET_REQUIRE_SYSTEMD_ANALYZE")

	// verify checks that ExecStart is executable, so the copy points at a
	// stand-in for the agent.
	dir := t.TempDir()
	standIn := filepath.Join(dir, "parapet-agent")
	if err := os.WriteFile(standIn, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := readFile(t, "linux/parapet-agent.service")
	text = strings.Replace(text, "ExecStart=/usr/bin/parapet-agent ", "ExecStart="+standIn+" ", 1)
	unitPath := filepath.Join(dir, "parapet-agent.service")
	if err := os.WriteFile(unitPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	// Unknown or invalid directives only print a warning and exit 0, so any
	// output is a failure.
	out, err := exec.Command(analyze, "verify", unitPath).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	// --threshold=40 fails above an exposure level of 4.0. The unit scored
	// 2.5 with systemd 252.
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=40", unitPath).CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Errorf("systemd-analyze security: %v: %s", err, lines[len(lines)-1])
	}
}

func TestMaintainerScripts(t *testing.T) {
	scripts, err := filepath.Glob("linux/scripts/*.sh")
	if err != nil || len(scripts) != 3 {
		t.Fatalf("found maintainer scripts %q (%v), expected 3", scripts, err)
	}
	for _, script := range scripts {
		text := readFile(t, script)
		if !strings.HasPrefix(text, "#!/bin/sh\n") {
			t.Errorf("%s does not start with #!/bin/sh", script)
		}
		if !regexp.MustCompile(`(?m)^set -e$`).MatchString(text) {
			t.Errorf("%s lacks set -e", script)
		}
		if strings.Contains(text, "systemctl") && !strings.Contains(text, "[ -d /run/systemd/system ]") {
			t.Errorf("%s calls systemctl without checking that systemd is running", script)
		}
		if out, err := exec.Command("sh", "-n", script).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", script, err, out)
		}
	}
	shellcheck := requireTool(t, "shellcheck", "shellcheck", "PARAPET_PACKAGE_TEST")
	args := append([]string{"--shell=sh"}, scripts...)
	args = append(args, "build-packages.sh")
	if out, err := exec.Command(shellcheck, args...).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// The policies set bridgePort, so the extension's managed storage schema
// must declare it as an integer, or Chrome drops the value.
func TestExtensionSchemaDeclaresBridgePort(t *testing.T) {
	var schema struct {
		Properties map[string]struct {
			Type    string `json:"type"`
			Default any    `json:"default"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(readFile(t, "../extension/managed_schema.json")), &schema); err != nil {
		t.Fatalf("parsing extension/managed_schema.json: %v", err)
	}
	property, ok := schema.Properties["bridgePort"]
	if !ok {
		t.Fatal("extension/managed_schema.json declares no bridgePort")
	}
	if property.Type != "integer" {
		t.Errorf("bridgePort type = %q, expected integer", property.Type)
	}
	if property.Default != float64(bridgePort) {
		t.Errorf("bridgePort default = %v, expected %d", property.Default, bridgePort)
	}
}
