package offline

import (
	"slices"
	"strings"
	"testing"

	"parapet/protocol"
)

func TestDecideByCachedPolicies(t *testing.T) {
	c, _ := openWithBundle(t, newKey(t))
	set := c.Current()
	facts := Facts{User: "ana@corp.test", DeviceID: "dev-1"}
	cases := []struct {
		name     string
		req      *protocol.ActionRequest
		decision protocol.Decision
		policies []string
		failMode bool
		message  string
	}{
		{"docx blocked in wiki", download("wiki.corp.test", "plan.docx"), protocol.DecisionBlock,
			[]string{"block-docx", "monitor-all"}, false, "Word documents cannot be downloaded."},
		{"txt monitored in wiki", download("wiki.corp.test", "notes.txt"), protocol.DecisionMonitor,
			[]string{"monitor-all"}, false, ""},
		{"pdf labeled in wiki", download("wiki.corp.test", "a.pdf"), protocol.DecisionProtect,
			[]string{"label-pdf", "monitor-all"}, false, ""},
		{"csv in fail-closed app needs server", download("payroll.corp.test", "pay.csv"), protocol.DecisionBlock,
			[]string{}, true, "Parapet cannot reach its server, so this action is blocked in payroll. " +
				"Try again when your connection to the company network is back."},
		{"csv in fail-open app keeps local result", download("wiki.corp.test", "pay.csv"), protocol.DecisionMonitor,
			[]string{"monitor-all"}, false, ""},
		{"txt in fail-closed app allowed by local policies", download("payroll.corp.test", "a.txt"), protocol.DecisionMonitor,
			[]string{"monitor-all"}, false, ""},
		{"host outside every app", download("news.test", "plan.docx"), protocol.DecisionAllow,
			[]string{}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := set.Decide(tc.req, facts, "the server was unreachable")
			if d.Verdict.Decision != tc.decision {
				t.Errorf("decision = %s, want %s (reason %q)", d.Verdict.Decision, tc.decision, d.Verdict.Reason)
			}
			if !slices.Equal(d.Verdict.PolicyIDs, tc.policies) {
				t.Errorf("policy ids = %v, want %v", d.Verdict.PolicyIDs, tc.policies)
			}
			if d.FailMode != tc.failMode {
				t.Errorf("fail mode = %v, want %v", d.FailMode, tc.failMode)
			}
			if d.Verdict.Message != tc.message {
				t.Errorf("message = %q, want %q", d.Verdict.Message, tc.message)
			}
			if !strings.Contains(d.Verdict.Reason, "the server was unreachable") {
				t.Errorf("reason %q does not name the cause", d.Verdict.Reason)
			}
			if (d.Verdict.Protect != nil) != (d.Verdict.Decision == protocol.DecisionProtect) {
				t.Errorf("protect = %+v for decision %s", d.Verdict.Protect, d.Verdict.Decision)
			}
		})
	}
}

func TestDecideProtectionLabelOnly(t *testing.T) {
	c, _ := openWithBundle(t, newKey(t))
	d := c.Current().Decide(download("wiki.corp.test", "a.pdf"), Facts{}, "offline")
	p := d.Verdict.Protect
	if p == nil {
		t.Fatal("protect verdict has no protection")
	}
	if p.Label.ID != "5e2a1b3c-0000-4000-8000-000000000001" {
		t.Errorf("label id = %q", p.Label.ID)
	}
	if p.Label.Name != "Confidential" {
		t.Errorf("label name = %q, want Confidential", p.Label.Name)
	}
	if p.Encrypt != protocol.EncryptNone {
		t.Errorf("encrypt = %q, want none", p.Encrypt)
	}
}

func TestSkippedPolicies(t *testing.T) {
	yaml := `apps:
  - id: crm
    hosts: ["crm.test"]
    tags: [sensitive]
groups:
  - id: staff
    domains: [corp.test]
posture_profiles:
  - id: baseline
    requirements: {disk_encryption: true}
policies:
  - id: by-network
    when: {network: {cidrs: ["10.0.0.0/8"]}}
    decision: block
  - id: by-session
    when: {any: [{session: {signed_in: false}}, {activity: [print]}]}
    decision: block
  - id: by-guest
    when: {user: {guest: true}}
    decision: block
  - id: by-tags
    when: {not: {device: {tags: [kiosk]}}}
    decision: warn
  - id: by-managed
    device: {managed: false}
    decision: block
  - id: step-up
    decision: step_up
    max_age: 1h
  - id: by-group
    when: {user: {groups: [staff]}}
    decision: monitor
  - id: by-posture
    when: {not: {device: {compliant: baseline}}}
    decision: block
  - id: by-time
    when: {time: {days: [sat, sun]}}
    decision: block
`
	key := newKey(t)
	c, err := Open(t.TempDir(), discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Pin(publicKey(key)); err != nil {
		t.Fatal(err)
	}
	if err := c.Accept(signYAML(t, []byte(yaml), 1, key)); err != nil {
		t.Fatal(err)
	}
	skipped := c.Current().Skipped()
	for _, id := range []string{"by-network", "by-session", "by-guest", "by-tags", "by-managed", "step-up"} {
		if skipped[id] == "" {
			t.Errorf("policy %s is evaluated offline, want it skipped", id)
		}
	}
	for _, id := range []string{"by-group", "by-posture", "by-time"} {
		if why, ok := skipped[id]; ok {
			t.Errorf("policy %s is skipped (%s), want it evaluated offline", id, why)
		}
	}
}

func TestDecidePosture(t *testing.T) {
	yaml := `apps:
  - id: crm
    hosts: ["crm.test"]
posture_profiles:
  - id: baseline
    requirements: {disk_encryption: true}
policies:
  - id: needs-encryption
    when: {not: {device: {compliant: baseline}}}
    decision: block
`
	key := newKey(t)
	c, err := Open(t.TempDir(), discard)
	if err != nil {
		t.Fatal(err)
	}
	c.Pin(publicKey(key))
	if err := c.Accept(signYAML(t, []byte(yaml), 1, key)); err != nil {
		t.Fatal(err)
	}
	encrypted := PostureFacts(&protocol.PostureReport{DiskEncryption: &protocol.PostureCheck{State: protocol.PostureEnabled}})
	plain := PostureFacts(&protocol.PostureReport{DiskEncryption: &protocol.PostureCheck{State: protocol.PostureDisabled}})
	cases := []struct {
		name    string
		posture map[string]string
		want    protocol.Decision
	}{
		{"encrypted disk", encrypted, protocol.DecisionAllow},
		{"plain disk", plain, protocol.DecisionBlock},
		{"no posture", nil, protocol.DecisionBlock},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := c.Current().Decide(download("crm.test", "a.txt"), Facts{Posture: tc.posture}, "offline")
			if d.Verdict.Decision != tc.want {
				t.Errorf("decision = %s, want %s (%s)", d.Verdict.Decision, tc.want, d.Verdict.Reason)
			}
		})
	}
}
