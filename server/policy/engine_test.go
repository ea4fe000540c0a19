package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/protocol"
)

func TestDecideDecisions(t *testing.T) {
	const label = "0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69"
	tests := []struct {
		name   string
		policy string
		want   protocol.Decision
		params Params
	}{
		{"allow", "{id: p, decision: allow}", protocol.DecisionAllow, Params{}},
		{"monitor", "{id: p, decision: monitor}", protocol.DecisionMonitor, Params{}},
		{"warn", "{id: p, decision: warn, message: careful}", protocol.DecisionWarn, Params{Message: "careful"}},
		{"block", "{id: p, decision: block, message: no, fix: ask IT, link: 'https://help.corp.test/dlp'}",
			protocol.DecisionBlock, Params{Message: "no", Fix: "ask IT", Link: "https://help.corp.test/dlp"}},
		{"protect label default", "{id: p, decision: protect, label: " + strings.ToUpper(label) + "}",
			protocol.DecisionProtect, Params{Label: label, Encrypt: EncryptOrg}},
		{"protect encrypt user", "{id: p, decision: protect, label: " + label + ", encrypt: user}",
			protocol.DecisionProtect, Params{Label: label, Encrypt: EncryptUser}},
		{"step up", "{id: p, decision: step_up, max_age: 15m}", protocol.DecisionStepUp, Params{MaxAge: 15 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseSet(t, tt.policy).Decide(download(""))
			if got.Decision != tt.want {
				t.Errorf("got decision %q, want %q", got.Decision, tt.want)
			}
			if got.Params != tt.params {
				t.Errorf("got params %+v, want %+v", got.Params, tt.params)
			}
			if got.Code != CodePolicyMatched || got.Policy != "p" {
				t.Errorf("got code %q and policy %q, want policy_matched by p", got.Code, got.Policy)
			}
			if got.Severity != SeverityMedium {
				t.Errorf("got severity %q, want the default medium", got.Severity)
			}
		})
	}
}

func TestDecideConflicts(t *testing.T) {
	tests := []struct {
		name     string
		policies []string
		want     protocol.Decision
		decider  string
		ids      []string
	}{
		{"block beats monitor", []string{"{id: m, decision: monitor}", "{id: b, decision: block}"}, protocol.DecisionBlock, "b", []string{"m", "b"}},
		{"block beats step up", []string{"{id: s, decision: step_up, max_age: 1h}", "{id: b, decision: block}"}, protocol.DecisionBlock, "b", []string{"s", "b"}},
		{"step up beats warn", []string{"{id: w, decision: warn}", "{id: s, decision: step_up, max_age: 1h}"}, protocol.DecisionStepUp, "s", []string{"w", "s"}},
		{"warn beats protect", []string{"{id: p, decision: protect, label: 1c6b9d4f-4a1f-4e8a-8d5b-2f3e4d5c6b7a}", "{id: w, decision: warn}"}, protocol.DecisionWarn, "w", []string{"p", "w"}},
		{"protect beats monitor", []string{"{id: m, decision: monitor}", "{id: p, decision: protect, label: 1c6b9d4f-4a1f-4e8a-8d5b-2f3e4d5c6b7a}"}, protocol.DecisionProtect, "p", []string{"m", "p"}},
		{"monitor beats allow", []string{"{id: a, decision: allow}", "{id: m, decision: monitor}"}, protocol.DecisionMonitor, "m", []string{"a", "m"}},
		{"tie goes to first", []string{"{id: b1, decision: block}", "{id: b2, decision: block}"}, protocol.DecisionBlock, "b1", []string{"b1", "b2"}},
		{"tie goes to priority", []string{"{id: b1, decision: block}", "{id: b2, decision: block, priority: 5}"}, protocol.DecisionBlock, "b2", []string{"b2", "b1"}},
		{"priority cannot relax", []string{"{id: b, decision: block}", "{id: a, decision: allow, priority: 100}"}, protocol.DecisionBlock, "b", []string{"a", "b"}},
		{"negative priority last", []string{"{id: m1, decision: monitor, priority: -1}", "{id: m2, decision: monitor}"}, protocol.DecisionMonitor, "m2", []string{"m2", "m1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseSet(t, tt.policies...).Decide(download(""))
			if got.Decision != tt.want {
				t.Errorf("got decision %q, want %q", got.Decision, tt.want)
			}
			if got.Policy != tt.decider {
				t.Errorf("got deciding policy %q, want %q", got.Policy, tt.decider)
			}
			if !slices.Equal(got.PolicyIDs, tt.ids) {
				t.Errorf("got policy ids %v, want %v", got.PolicyIDs, tt.ids)
			}
			if want := "Policy " + tt.decider + " decided"; !strings.HasPrefix(got.Reason, want) {
				t.Errorf("got reason %q, want it to start with %q", got.Reason, want)
			}
		})
	}
}

func TestDecideRankOrder(t *testing.T) {
	order := []protocol.Decision{protocol.DecisionAllow, protocol.DecisionMonitor, protocol.DecisionProtect,
		protocol.DecisionWarn, protocol.DecisionStepUp, protocol.DecisionBlock}
	for i := 1; i < len(order); i++ {
		if Rank(order[i]) <= Rank(order[i-1]) {
			t.Errorf("got Rank(%s) <= Rank(%s), want it higher", order[i], order[i-1])
		}
	}
	if Rank("maybe") >= Rank(protocol.DecisionAllow) {
		t.Errorf("got unknown decision ranked %d, want below allow", Rank("maybe"))
	}
}

func TestDecideStates(t *testing.T) {
	tests := []struct {
		name      string
		policies  []string
		want      protocol.Decision
		code      string
		ids       []string
		wouldHave []WouldHave
	}{
		{"test mode only", []string{"{id: t, state: test, decision: block}"}, protocol.DecisionAllow, CodeNoPolicyMatched, nil,
			[]WouldHave{{Policy: "t", Decision: protocol.DecisionBlock, Code: "test_mode_would_block"}}},
		{"test mode beside enforced", []string{"{id: t, state: test, decision: block}", "{id: m, decision: monitor}"},
			protocol.DecisionMonitor, CodePolicyMatched, []string{"m"},
			[]WouldHave{{Policy: "t", Decision: protocol.DecisionBlock, Code: "test_mode_would_block"}}},
		{"test mode not matching", []string{"{id: t, state: test, decision: warn, activities: [upload]}"}, protocol.DecisionAllow, CodeNoPolicyMatched, nil, nil},
		{"disabled", []string{"{id: d, state: disabled, decision: block}"}, protocol.DecisionAllow, CodeNoPolicyMatched, nil, nil},
		{"explicit enabled", []string{"{id: e, state: enabled, decision: block}"}, protocol.DecisionBlock, CodePolicyMatched, []string{"e"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := parseSet(t, tt.policies...)
			for _, got := range []Result{set.Decide(download("")), set.Explain(download(""))} {
				if got.Decision != tt.want || got.Code != tt.code {
					t.Errorf("got %q with code %q, want %q with %q", got.Decision, got.Code, tt.want, tt.code)
				}
				if !slices.Equal(got.PolicyIDs, tt.ids) {
					t.Errorf("got policy ids %v, want %v", got.PolicyIDs, tt.ids)
				}
				if !slices.Equal(got.WouldHave, tt.wouldHave) {
					t.Errorf("got would have %+v, want %+v", got.WouldHave, tt.wouldHave)
				}
			}
		})
	}
}

func TestDecideDisabledNotTraced(t *testing.T) {
	set := parseSet(t, "{id: d, state: disabled, decision: block}", "{id: t, state: test, decision: block}")
	got := set.Explain(download(""))
	if len(got.Trace) != 1 || got.Trace[0].Policy != "t" || got.Trace[0].State != StateTest {
		t.Errorf("got trace %+v, want only the test-mode policy t", got.Trace)
	}
}

func TestDecideNotProtected(t *testing.T) {
	set := parseSet(t, "{id: p, decision: block}")
	for _, in := range []*Input{{Request: action("127.0.0.1:9999", protocol.ActivityDownload, "")}, {}} {
		got := set.Decide(in)
		if got.Decision != protocol.DecisionAllow || got.Code != CodeNotProtected {
			t.Errorf("got %q with code %q, want allow with not_protected", got.Decision, got.Code)
		}
		if got.App != "" || len(got.PolicyIDs) != 0 {
			t.Errorf("got app %q and ids %v, want none", got.App, got.PolicyIDs)
		}
	}
}

func TestDecideNoPolicyMatches(t *testing.T) {
	set := parseSet(t, "{id: p, apps: [wiki], decision: block}")
	got := set.Decide(download(""))
	if got.Decision != protocol.DecisionAllow || got.Code != CodeNoPolicyMatched {
		t.Errorf("got %q with code %q, want allow with no_policy_matched", got.Decision, got.Code)
	}
	if got.App != "filestore" {
		t.Errorf("got app %q, want filestore", got.App)
	}
	if want := "No policy matched this action in filestore."; got.Reason != want {
		t.Errorf("got reason %q, want %q", got.Reason, want)
	}
}

func TestDecideSampleReason(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := set.Decide(&Input{Request: action("127.0.0.1:8080", protocol.ActivityDownload, "Q3-forecast.docx")})
	want := `Policy block-docx-downloads (Block Word documents on this device) decided block because ` +
		`app is filestore, activity is download, file name matches "*.docx" and device is not managed.`
	if got.Reason != want {
		t.Errorf("got reason\n%q\nwant\n%q", got.Reason, want)
	}
	if !strings.HasPrefix(got.Message, "Word documents") {
		t.Errorf("got message %q, want the block policy's message", got.Message)
	}
	if !slices.Equal(got.PolicyIDs, []string{"block-docx-downloads", "monitor-filestore"}) {
		t.Errorf("got policy ids %v", got.PolicyIDs)
	}
	verdict := protocol.Verdict{RequestID: "r1", Decision: got.Decision, Message: got.Message, Reason: got.Reason, PolicyIDs: got.PolicyIDs}
	if err := verdict.Validate(); err != nil {
		t.Errorf("verdict from the result is invalid: %v", err)
	}
}

func TestDecideReasonNested(t *testing.T) {
	set := parseSet(t, "{id: p, decision: warn, when: {all: [{any: [{activity: [upload]}, {activity: [download]}]}, {not: {file: {extensions: [pdf]}}}]}}")
	got := set.Decide(download("a.docx"))
	want := "Policy p decided warn because activity is download and file extension is not pdf."
	if got.Reason != want {
		t.Errorf("got reason %q, want %q", got.Reason, want)
	}
}

func TestDecideReasonNoConditions(t *testing.T) {
	got := parseSet(t, "{id: p, decision: monitor}").Decide(download(""))
	want := "Policy p decided monitor because it has no conditions, so it applies to every action in localhost:8080."
	if got.Reason != want {
		t.Errorf("got reason %q, want %q", got.Reason, want)
	}
}

func TestExplainTrace(t *testing.T) {
	set := parseSet(t,
		"{id: ext, decision: block, when: {all: [{activity: [download]}, {file: {extensions: [pdf]}}]}}",
		"{id: any, decision: warn, when: {any: [{activity: [upload]}, {file: {names: ['*.docx']}}]}}",
		"{id: none, decision: warn, when: {any: [{activity: [upload]}, {activity: [print]}]}}",
		"{id: not, decision: warn, when: {not: {device: {managed: false}}}}",
		"{id: short, decision: monitor, apps: [filestore], activities: [download]}",
		"{id: test, state: test, decision: block, files: ['*.docx']}",
	)
	got := set.Explain(download("a.docx"))
	want := []TraceEntry{
		{Policy: "ext", State: StateEnabled, Matched: false, Path: "when.all[1].file.extensions", Reason: "file extension is not pdf"},
		{Policy: "any", State: StateEnabled, Matched: true, Path: "when.any[1].file.names", Reason: `file name matches "*.docx"`},
		{Policy: "none", State: StateEnabled, Matched: false, Path: "when.any", Reason: "none of the 2 conditions matched"},
		{Policy: "not", State: StateEnabled, Matched: false, Path: "when.not.device.managed", Reason: "device is not managed"},
		{Policy: "short", State: StateEnabled, Matched: true, Path: "", Reason: "all 2 conditions matched"},
		{Policy: "test", State: StateTest, Matched: true, Path: "files", Reason: `file name matches "*.docx"`},
	}
	if len(got.Trace) != len(want) {
		t.Fatalf("got %d trace entries, want %d: %+v", len(got.Trace), len(want), got.Trace)
	}
	for i := range want {
		if got.Trace[i] != want[i] {
			t.Errorf("trace[%d]: got %+v, want %+v", i, got.Trace[i], want[i])
		}
	}
	if got.Decision != protocol.DecisionWarn || got.Policy != "any" {
		t.Errorf("got %q by %q, want warn by any", got.Decision, got.Policy)
	}
}

func TestExplainJSON(t *testing.T) {
	set := parseSet(t, "{id: b, decision: block, severity: high, message: no, fix: ask IT, files: ['*.docx']}",
		"{id: t, state: test, decision: step_up, max_age: 8h}")
	result := set.Explain(download("a.docx"))
	data, err := json.Marshal(result.Explain())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	checks := map[string]any{
		"decision": "block", "policy": "b", "severity": "high", "app": "filestore",
	}
	for key, want := range checks {
		if got[key] != want {
			t.Errorf("got %s %v, want %v", key, got[key], want)
		}
	}
	if codes, _ := got["codes"].([]any); len(codes) != 2 || codes[0] != "policy_matched" || codes[1] != "test_mode_would_step_up" {
		t.Errorf("got codes %v, want [policy_matched test_mode_would_step_up]", got["codes"])
	}
	if params, _ := got["params"].(map[string]any); params["fix"] != "ask IT" || params["message"] != "no" {
		t.Errorf("got params %v, want message and fix", got["params"])
	}
	if trace, _ := got["trace"].([]any); len(trace) != 2 {
		t.Errorf("got trace %v, want 2 entries", got["trace"])
	}
}

func TestDecideAllocations(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	outside := &Input{Request: action("intranet.corp.test", protocol.ActivityDownload, "")}
	if n := testing.AllocsPerRun(100, func() { set.Decide(outside) }); n != 0 {
		t.Errorf("got %v allocations outside protected apps, want 0", n)
	}
	inside := &Input{Request: action("127.0.0.1:8080", protocol.ActivityDownload, "q3.docx"), Time: time.Unix(1, 0)}
	// One for PolicyIDs and one for the reason.
	if n := testing.AllocsPerRun(100, func() { set.Decide(inside) }); n > 2 {
		t.Errorf("got %v allocations for a match, want at most 2", n)
	}
}
