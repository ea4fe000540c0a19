package policy

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"parapet/protocol"
)

func TestLoadSample(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := len(set.Apps); got != 2 {
		t.Fatalf("got %d apps, want 2", got)
	}
	if got := len(set.Policies); got != 2 {
		t.Fatalf("got %d policies, want 2", got)
	}
	p := set.Policies[0]
	if p.Decision != protocol.DecisionBlock {
		t.Errorf("got decision %q, want block", p.Decision)
	}
	if p.Managed == nil || *p.Managed {
		t.Errorf("got managed %v, want false", p.Managed)
	}
	if got := len(set.Digest); got != 64 {
		t.Errorf("got digest length %d, want 64", got)
	}
	apps := set.ProtocolApps()
	if !apps[0].Sensitive || apps[1].Sensitive {
		t.Errorf("got sensitive %v/%v, want true/false", apps[0].Sensitive, apps[1].Sensitive)
	}
	update := protocol.PolicyUpdate{Revision: 1, Apps: apps}
	if err := update.Validate(); err != nil {
		t.Errorf("policy.update from the sample is invalid: %v", err)
	}
}

func TestLoadEndToEndFile(t *testing.T) {
	data, err := os.ReadFile("../../test/testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.ReplaceAll(string(data), "${APP_HOST}", "127.0.0.1:8080"))
	set, err := Parse("policies.yaml", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if app := set.AppForHost("127.0.0.1:8080"); app == nil || app.ID != "filestore" || app.FailMode != FailClosed {
		t.Errorf("got app %+v, want filestore failing closed", app)
	}
	got := set.Decide(&Input{Request: action("127.0.0.1:8080", protocol.ActivityDownload, "a.docx")})
	if got.Decision != protocol.DecisionBlock || got.Policy != "block-docx-downloads" || got.Message == "" {
		t.Errorf("got %q by %q with message %q, want block by block-docx-downloads with a message", got.Decision, got.Policy, got.Message)
	}
	got = set.Decide(&Input{Request: action("127.0.0.1:8080", protocol.ActivityCopy, "")})
	if got.Decision != protocol.DecisionMonitor || got.Policy != "monitor-filestore" {
		t.Errorf("got %q by %q, want monitor by monitor-filestore", got.Decision, got.Policy)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

const validApps = `apps:
  - id: filestore
    hosts: ["127.0.0.1"]
labels:
  - {id: 0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69, name: Confidential}
`

func TestParseErrors(t *testing.T) {
	policy := func(p string) string { return validApps + "policies:\n  - " + p + "\n" }
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"empty", ``, `policies.yaml: file is empty`},
		{"syntax", "apps: [", `policies.yaml: yaml:`},
		{"two documents", validApps + "---\napps: []\n", `more than one YAML document`},
		{"unknown top key", validApps + "polices: []\n", `policies.yaml:6: polices: unknown field`},
		{"unknown app key", "apps:\n  - id: a\n    hosts: [x]\n    sensitve: true\n", `policies.yaml:4: apps[0].sensitve: unknown field`},
		{"unknown policy key", policy("{id: p, decision: allow, activity: [copy]}"), `policies[0].activity: unknown field`},
		{"unknown device key", policy("{id: p, decision: allow, device: {manged: true}}"), `policies[0].device.manged: unknown field`},
		{"wrong type", "apps:\n  - id: a\n    hosts: [x]\n    sensitive: maybe\n", `cannot unmarshal`},
		{"app id missing", "apps:\n  - hosts: [x]\n", `policies.yaml: apps[0].id: missing`},
		{"app id invalid", "apps:\n  - id: a b\n    hosts: [x]\n", `apps[0].id: invalid id "a b"`},
		{"app id duplicate", "apps:\n  - {id: filestore, hosts: [x]}\n  - {id: filestore, hosts: [y]}\n", `apps[1].id: duplicate id "filestore"; apps[0] already defines it`},
		{"app hosts missing", "apps:\n  - id: a\n", `apps[0].hosts: must list 1 to 64 host patterns`},
		{"app host url", "apps:\n  - id: a\n    hosts: [\"http://x/\"]\n", `apps[0].hosts[0]: invalid host pattern "http://x/"`},
		{"app fail mode", "apps:\n  - {id: a, hosts: [x], fail_mode: shut}\n", `apps[0].fail_mode: unknown fail mode "shut"`},
		{"app tag invalid", "apps:\n  - {id: a, hosts: [x], tags: [a b]}\n", `apps[0].tags[0]: invalid tag "a b"`},
		{"cidr invalid", "ip_ranges:\n  - {id: r, cidrs: [10.0.0.0/33]}\n", `ip_ranges[0].cidrs[0]: invalid CIDR "10.0.0.0/33"`},
		{"cidrs missing", "ip_ranges:\n  - {id: r}\n", `ip_ranges[0].cidrs: missing`},
		{"group member", "groups:\n  - {id: g, members: [ana]}\n", `groups[0].members[0]: invalid email address "ana"`},
		{"label not guid", "labels:\n  - {id: secret}\n", `labels[0].id: invalid label id "secret"`},
		{"label protection", "labels:\n  - {id: 0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69, protection: lock}\n", `labels[0].protection: unknown protection "lock"`},
		{"profile version", "posture_profiles:\n  - {id: p, requirements: {min_os_version: ten}}\n", `posture_profiles[0].requirements.min_os_version: invalid version "ten"`},
		{"profile key", "posture_profiles:\n  - {id: p, requirements: {antivirus: true}}\n", `posture_profiles[0].requirements.antivirus: unknown field`},
		{"policy id missing", policy("{decision: allow}"), `policies[0].id: missing`},
		{"policy id duplicate", validApps + "policies:\n  - {id: p, decision: allow}\n  - {id: p, decision: block}\n", `policies[1].id: duplicate id "p"`},
		{"decision missing", policy("{id: p}"), `policies[0].decision: missing`},
		{"decision unknown", policy("{id: c, decision: blok}"), `policies.yaml: policies[0].decision: unknown decision "blok"`},
		{"param of other decision", policy("{id: p, decision: warn, fix: ask}"), `policies[0].fix: not a parameter of decision warn`},
		{"link invalid", policy("{id: p, decision: block, link: 'ftp://x'}"), `policies[0].link: invalid link "ftp://x"`},
		{"protect label missing", policy("{id: p, decision: protect}"), `policies[0].label: missing`},
		{"protect label unknown", policy("{id: p, decision: protect, label: 1c6b9d4f-4a1f-4e8a-8d5b-2f3e4d5c6b7a}"), `policies[0].label: unknown label`},
		{"protect encrypt", policy("{id: p, decision: protect, label: 0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69, encrypt: all}"), `policies[0].encrypt: unknown encryption "all"`},
		{"step up no max age", policy("{id: p, decision: step_up}"), `policies[0].max_age: missing`},
		{"step up bad max age", policy("{id: p, decision: step_up, max_age: soon}"), `policies[0].max_age: invalid duration "soon"`},
		{"state unknown", policy("{id: p, decision: allow, state: paused}"), `policies[0].state: unknown state "paused"`},
		{"severity unknown", policy("{id: p, decision: allow, severity: huge}"), `policies[0].severity: unknown severity "huge"`},
		{"policy app unknown", policy("{id: p, apps: [wiki], decision: allow}"), `policies[0].apps[0]: unknown app "wiki"`},
		{"activity unknown", policy("{id: p, activities: [download, fax], decision: allow}"), `policies[0].activities[1]: unknown activity "fax"`},
		{"glob invalid", policy(`{id: p, files: ["[a"], decision: allow}`), `policies[0].files[0]: invalid glob pattern "[a"`},
		{"glob with folder", policy(`{id: p, files: ["docs/*.pdf"], decision: allow}`), `policies[0].files[0]: pattern "docs/*.pdf" contains a folder separator`},
		{"message too long", policy("{id: p, decision: block, message: " + strings.Repeat("m", 2049) + "}"), `policies[0].message: longer than 2048 bytes`},
		{"when not mapping", policy("{id: p, decision: allow, when: [x]}"), `policies[0].when: must be a mapping`},
		{"when unknown kind", policy("{id: p, decision: allow, when: {weather: sunny}}"), `policies[0].when.weather: unknown condition "weather"`},
		{"when line", validApps + "policies:\n  - id: p\n    decision: allow\n    when:\n      all:\n        - file: {sizes: 1}\n", `policies.yaml:11: policies[0].when.all[0].file.sizes: unknown field`},
		{"all empty", policy("{id: p, decision: allow, when: {all: []}}"), `policies[0].when.all: must be a non-empty list`},
		{"nested unknown app", policy("{id: p, decision: allow, when: {any: [{not: {app: {ids: [wiki]}}}]}}"), `policies[0].when.any[0].not.app.ids[0]: unknown app "wiki"`},
		{"user group unknown", policy("{id: p, decision: allow, when: {user: {groups: [hr]}}}"), `policies[0].when.user.groups[0]: unknown group "hr"`},
		{"user guest type", policy("{id: p, decision: allow, when: {user: {guest: maybe}}}"), `policies[0].when.user.guest: must be true or false`},
		{"device profile unknown", policy("{id: p, decision: allow, when: {device: {compliant: strict}}}"), `policies[0].when.device.compliant: unknown posture profile "strict"`},
		{"posture min invalid", policy("{id: p, decision: allow, when: {device: {posture: {os_version: {min: new}}}}}"), `policies[0].when.device.posture.os_version: must be a value or {min: version}`},
		{"range unknown", policy("{id: p, decision: allow, when: {network: {ranges: [office]}}}"), `policies[0].when.network.ranges[0]: unknown IP range "office"`},
		{"cidr condition", policy("{id: p, decision: allow, when: {network: {cidrs: [x]}}}"), `policies[0].when.network.cidrs[0]: invalid CIDR "x"`},
		{"activity condition", policy("{id: p, decision: allow, when: {activity: [fax]}}"), `policies[0].when.activity[0]: unknown activity "fax"`},
		{"size inverted", policy("{id: p, decision: allow, when: {file: {size: {min: 10, max: 1}}}}"), `policies[0].when.file.size: invalid size range`},
		{"mime invalid", policy("{id: p, decision: allow, when: {file: {mime_types: ['*/*']}}}"), `policies[0].when.file.mime_types[0]: invalid media type "*/*"`},
		{"label both", policy("{id: p, decision: allow, when: {file: {label: {present: true, in: [x]}}}}"), `policies[0].when.file.label: must be {present: true|false} or {in: [label ids]}`},
		{"label unknown", policy("{id: p, decision: allow, when: {file: {label: {in: [1c6b9d4f-4a1f-4e8a-8d5b-2f3e4d5c6b7a]}}}}"), `policies[0].when.file.label.in[0]: unknown label`},
		{"time zone", policy("{id: p, decision: allow, when: {time: {zone: Mars/Base}}}"), `policies[0].when.time.zone: unknown time zone "Mars/Base"`},
		{"time day", policy("{id: p, decision: allow, when: {time: {days: [funday]}}}"), `policies[0].when.time.days: unknown day "funday"`},
		{"time clock", policy(`{id: p, decision: allow, when: {time: {from: "25:00", to: "26:00"}}}`), `policies[0].when.time.from: invalid time "25:00"`},
		{"time half window", policy(`{id: p, decision: allow, when: {time: {from: "09:00"}}}`), `policies[0].when.time: from and to must be given together`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("policies.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("got %T, want *policy.Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseEmptyPolicies(t *testing.T) {
	set, err := Parse("policies.yaml", []byte(validApps))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := len(set.Policies); got != 0 {
		t.Errorf("got %d policies, want 0", got)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDirMerges(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"00-apps.yaml":    validApps,
		"10-block.yml":    "policies:\n  - {id: b, apps: [filestore], decision: block}\n",
		"20-monitor.yaml": "policies:\n  - {id: m, apps: [filestore], decision: monitor}\n",
		"cases_test.yaml": "cases: []\n",
		"notes.txt":       "not a policy file",
		".hidden.yaml":    "not: [valid",
	})
	set, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := len(set.Files); got != 3 {
		t.Errorf("got %d files %v, want 3", got, set.Files)
	}
	var ids []string
	for _, p := range set.Policies {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{"b", "m"}) {
		t.Errorf("got policies %v, want [b m] in file order", ids)
	}
	if got := set.Policies[1].File; got != filepath.Join(dir, "20-monitor.yaml") {
		t.Errorf("got policy file %q, want 20-monitor.yaml", got)
	}

	again, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != set.Digest {
		t.Errorf("got digests %s and %s for the same folder, want equal", again.Digest, set.Digest)
	}
}

func TestLoadDirErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"duplicate across files", map[string]string{
			"a.yaml": validApps + "policies:\n  - {id: p, decision: allow}\n",
			"b.yaml": "policies:\n  - {id: x, decision: allow}\n  - {id: p, decision: block}\n",
		}, []string{"b.yaml: policies[1].id: duplicate id \"p\"", "a.yaml"}},
		{"duplicate app across files", map[string]string{
			"a.yaml": validApps,
			"b.yaml": "apps:\n  - {id: filestore, hosts: [y]}\n",
		}, []string{"b.yaml: apps[0].id: duplicate id \"filestore\"", "apps[0] already defines it in", "a.yaml"}},
		{"error names file", map[string]string{
			"a.yaml": validApps,
			"b.yaml": "policies:\n  - {id: p, decision: allow, apps: [wiki]}\n",
		}, []string{"b.yaml: policies[0].apps[0]: unknown app \"wiki\""}},
		{"reference across files", map[string]string{
			"a.yaml": "policies:\n  - {id: p, decision: allow, apps: [nope]}\n",
			"b.yaml": validApps,
		}, []string{"a.yaml: policies[0].apps[0]: unknown app \"nope\""}},
		{"no files", map[string]string{"x.txt": ""}, []string{"no *.yaml or *.yml files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadDir(writeFiles(t, tt.files))
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("got %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestLoadDirReferenceAcrossFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a-policies.yaml": "policies:\n  - {id: p, decision: block, apps: [filestore]}\n",
		"b-apps.yaml":     validApps,
	})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	if got := set.Decide(&Input{Request: action("127.0.0.1", protocol.ActivityCopy, "")}); got.Decision != protocol.DecisionBlock {
		t.Errorf("got %q, want block from a policy that uses an app of another file", got.Decision)
	}
}
