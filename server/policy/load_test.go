package policy

import (
	"errors"
	"os"
	"path/filepath"
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

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
}

const validApps = `apps:
  - id: filestore
    hosts: ["127.0.0.1"]
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"empty", ``, `policies.yaml: file is empty`},
		{"syntax", "apps: [", `policies.yaml: yaml:`},
		{"two documents", validApps + "---\napps: []\n", `more than one YAML document`},
		{"unknown top key", validApps + "polices: []\n", `policies.yaml: polices: unknown field`},
		{"unknown app key", "apps:\n  - id: a\n    hosts: [x]\n    sensitve: true\n", `apps[0].sensitve: unknown field`},
		{"unknown policy key", validApps + "policies:\n  - id: p\n    decision: allow\n    activity: [copy]\n", `policies[0].activity: unknown field`},
		{"unknown device key", validApps + "policies:\n  - id: p\n    decision: allow\n    device: {manged: true}\n", `policies[0].device.manged: unknown field`},
		{"wrong type", "apps:\n  - id: a\n    hosts: [x]\n    sensitive: maybe\n", `cannot unmarshal`},
		{"app id missing", "apps:\n  - hosts: [x]\n", `policies.yaml: apps[0].id: missing`},
		{"app id invalid", "apps:\n  - id: a b\n    hosts: [x]\n", `apps[0].id: invalid id "a b"`},
		{"app id duplicate", validApps + "  - id: filestore\n    hosts: [y]\n", `apps[1].id: duplicate id "filestore"`},
		{"app hosts missing", "apps:\n  - id: a\n", `apps[0].hosts: must list 1 to 64 host patterns`},
		{"app host url", "apps:\n  - id: a\n    hosts: [\"http://x/\"]\n", `apps[0].hosts[0]: invalid host pattern "http://x/"`},
		{"app host inner star", "apps:\n  - id: a\n    hosts: [\"a*.corp.test\"]\n", `apps[0].hosts[0]: invalid host pattern`},
		{"policy id missing", validApps + "policies:\n  - decision: allow\n", `policies[0].id: missing`},
		{"policy id duplicate", validApps + "policies:\n  - {id: p, decision: allow}\n  - {id: p, decision: block}\n", `policies[1].id: duplicate id "p"`},
		{"decision missing", validApps + "policies:\n  - id: p\n", `policies[0].decision: missing`},
		{"decision unknown", validApps + "policies:\n  - {id: a, decision: allow}\n  - {id: b, decision: allow}\n  - {id: c, decision: blok}\n", `policies.yaml: policies[2].decision: unknown decision "blok"`},
		{"decision not yet", validApps + "policies:\n  - {id: p, decision: warn}\n", `policies[0].decision: decision "warn" is not supported yet`},
		{"policy app unknown", validApps + "policies:\n  - {id: p, apps: [wiki], decision: allow}\n", `policies[0].apps[0]: unknown app "wiki"`},
		{"activity unknown", validApps + "policies:\n  - {id: p, activities: [download, fax], decision: allow}\n", `policies[0].activities[1]: unknown activity "fax"`},
		{"glob invalid", validApps + "policies:\n  - {id: p, files: [\"[a\"], decision: allow}\n", `policies[0].files[0]: invalid glob pattern "[a"`},
		{"glob with folder", validApps + "policies:\n  - {id: p, files: [\"docs/*.pdf\"], decision: allow}\n", `policies[0].files[0]: pattern "docs/*.pdf" contains a folder separator`},
		{"message too long", validApps + "policies:\n  - {id: p, decision: block, message: " + strings.Repeat("m", 2049) + "}\n", `policies[0].message: longer than 2048 bytes`},
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
