package policy

import (
	"strings"
	"testing"
	"time"

	"parapet/protocol"
)

// objects defines one of each object kind for the condition tests.
const objects = `apps:
  - id: filestore
    hosts: ["127.0.0.1:8080", "localhost:8080"]
    tags: [sensitive, finance]
  - id: wiki
    hosts: ["*.wiki.corp.test"]
ip_ranges:
  - id: office
    cidrs: ["10.1.0.0/16", "2001:db8:1::/48"]
    tags: [corporate]
  - id: vpn
    cidrs: ["10.9.0.0/16"]
    tags: [corporate, vpn]
  - id: tor
    cidrs: ["192.0.2.0/24"]
    tags: [risky]
groups:
  - id: finance
    members: [Ana@corp.test]
    domains: [finance.corp.test]
labels:
  - id: 0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69
    name: Confidential
    tenant: 6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9
    protection: encrypt_org
  - id: 1c6b9d4f-4a1f-4e8a-8d5b-2f3e4d5c6b7a
    name: Public
posture_profiles:
  - id: baseline
    requirements:
      os: [windows, macos]
      min_os_version: "10.0.19045"
      disk_encryption: true
      min_agent_version: "1.2"
`

// parseSet parses objects followed by a policies section with one policy
// per element of policies, each a YAML flow mapping.
func parseSet(t testing.TB, policies ...string) *Set {
	t.Helper()
	var b strings.Builder
	b.WriteString(objects)
	b.WriteString("policies:\n")
	for _, p := range policies {
		b.WriteString("  - ")
		b.WriteString(p)
		b.WriteString("\n")
	}
	set, err := Parse("test.yaml", []byte(b.String()))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return set
}

func action(host string, activity protocol.Activity, file string) *protocol.ActionRequest {
	req := &protocol.ActionRequest{Activity: activity, AppHost: host, PageURL: "http://" + host + "/", TabID: 1}
	if file != "" {
		req.File = &protocol.FileInfo{Name: file, Size: -1}
	}
	return req
}

// download returns an input for a download from the file store.
func download(file string) *Input {
	return &Input{Request: action("localhost:8080", protocol.ActivityDownload, file),
		Time: time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)}
}

// conditionCase is one row of a condition kind's table: a policy's when
// condition, an input and whether the policy must match.
type conditionCase struct {
	name  string
	when  string
	input *Input
	want  bool
}

func runConditionCases(t *testing.T, tests []conditionCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := parseSet(t, "{id: p, decision: block, when: "+tt.when+"}")
			got := set.Decide(tt.input)
			if matched := got.Decision == protocol.DecisionBlock; matched != tt.want {
				t.Errorf("got decision %q, want match %v (reason %q)", got.Decision, tt.want, got.Reason)
			}
			explained := set.Explain(tt.input)
			if explained.Decision != got.Decision {
				t.Errorf("got Explain decision %q, want Decide's %q", explained.Decision, got.Decision)
			}
			if len(explained.Trace) != 1 || explained.Trace[0].Matched != tt.want {
				t.Errorf("got trace %+v, want one entry with matched %v", explained.Trace, tt.want)
			}
		})
	}
}

func with(in *Input, change func(*Input)) *Input {
	change(in)
	return in
}
