package policy

import (
	"slices"
	"strings"
	"testing"

	"parapet/protocol"
)

func mustParse(t testing.TB, yaml string) *Set {
	t.Helper()
	set, err := Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return set
}

func download(host, file string) *protocol.ActionRequest {
	req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: host, PageURL: "http://" + host + "/", TabID: 1}
	if file != "" {
		req.File = &protocol.FileInfo{Name: file, Size: -1}
	}
	return req
}

const conditionApps = `apps:
  - id: filestore
    hosts: ["127.0.0.1:8080", "localhost:8080"]
  - id: wiki
    hosts: ["*.wiki.corp.test"]
`

func TestDecideConditions(t *testing.T) {
	managed := Device{Managed: true, User: "ana@corp.test"}
	unmanaged := Device{Managed: false, User: "ana@corp.test"}
	tests := []struct {
		name   string
		policy string
		req    *protocol.ActionRequest
		dev    Device
		want   protocol.Decision
	}{
		{"any matches", "{id: p, decision: block}", download("127.0.0.1:8080", ""), managed, protocol.DecisionBlock},
		{"app matches", "{id: p, apps: [filestore], decision: block}", download("localhost:8080", ""), managed, protocol.DecisionBlock},
		{"app differs", "{id: p, apps: [wiki], decision: block}", download("localhost:8080", ""), managed, protocol.DecisionAllow},
		{"app subdomain", "{id: p, apps: [wiki], decision: block}", download("team.wiki.corp.test", ""), managed, protocol.DecisionBlock},
		{"activity matches", "{id: p, activities: [upload, download], decision: block}", download("localhost:8080", ""), managed, protocol.DecisionBlock},
		{"activity differs", "{id: p, activities: [paste], decision: block}", download("localhost:8080", ""), managed, protocol.DecisionAllow},
		{"file matches", `{id: p, files: ["*.docx"], decision: block}`, download("localhost:8080", "q3.docx"), managed, protocol.DecisionBlock},
		{"file case", `{id: p, files: ["*.DocX"], decision: block}`, download("localhost:8080", "Q3.DOCX"), managed, protocol.DecisionBlock},
		{"file differs", `{id: p, files: ["*.docx"], decision: block}`, download("localhost:8080", "q3.pdf"), managed, protocol.DecisionAllow},
		{"file absent", `{id: p, files: ["*"], decision: block}`, download("localhost:8080", ""), managed, protocol.DecisionAllow},
		{"no files any file", `{id: p, decision: block}`, download("localhost:8080", "q3.pdf"), managed, protocol.DecisionBlock},
		{"unmanaged matches", "{id: p, device: {managed: false}, decision: block}", download("localhost:8080", ""), unmanaged, protocol.DecisionBlock},
		{"unmanaged differs", "{id: p, device: {managed: false}, decision: block}", download("localhost:8080", ""), managed, protocol.DecisionAllow},
		{"managed matches", "{id: p, device: {managed: true}, decision: block}", download("localhost:8080", ""), managed, protocol.DecisionBlock},
		{"empty device block", "{id: p, device: {}, decision: block}", download("localhost:8080", ""), unmanaged, protocol.DecisionBlock},
		{"all must match", `{id: p, apps: [filestore], activities: [download], files: ["*.docx"], device: {managed: false}, decision: block}`, download("localhost:8080", "a.docx"), managed, protocol.DecisionAllow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := mustParse(t, conditionApps+"policies:\n  - "+tt.policy+"\n")
			got := set.Decide(tt.req, tt.dev)
			if got.Decision != tt.want {
				t.Errorf("got decision %q, want %q (reason %q)", got.Decision, tt.want, got.Reason)
			}
			matched := len(got.PolicyIDs) == 1 && got.PolicyIDs[0] == "p"
			if matched != (tt.want == protocol.DecisionBlock) {
				t.Errorf("got policy ids %v, want [p] only on a match", got.PolicyIDs)
			}
		})
	}
}

func TestDecideConflicts(t *testing.T) {
	tests := []struct {
		name     string
		policies string
		want     protocol.Decision
		decider  string
		ids      []string
	}{
		{"block beats monitor", "  - {id: m, decision: monitor}\n  - {id: b, decision: block, message: no}\n", protocol.DecisionBlock, "b", []string{"m", "b"}},
		{"block beats allow", "  - {id: b, decision: block}\n  - {id: a, decision: allow}\n", protocol.DecisionBlock, "b", []string{"b", "a"}},
		{"monitor beats allow", "  - {id: a, decision: allow}\n  - {id: m, decision: monitor}\n", protocol.DecisionMonitor, "m", []string{"a", "m"}},
		{"tie goes to first", "  - {id: b1, decision: block}\n  - {id: b2, decision: block}\n", protocol.DecisionBlock, "b1", []string{"b1", "b2"}},
		{"explicit allow", "  - {id: a, decision: allow}\n", protocol.DecisionAllow, "a", []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := mustParse(t, conditionApps+"policies:\n"+tt.policies)
			got := set.Decide(download("localhost:8080", ""), Device{})
			if got.Decision != tt.want {
				t.Errorf("got decision %q, want %q", got.Decision, tt.want)
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

func TestDecideNotProtected(t *testing.T) {
	set := mustParse(t, conditionApps+"policies:\n  - {id: p, decision: block}\n")
	got := set.Decide(download("127.0.0.1:9999", ""), Device{})
	if got.Decision != protocol.DecisionAllow {
		t.Errorf("got decision %q, want allow", got.Decision)
	}
	if !strings.Contains(got.Reason, "not a protected app") {
		t.Errorf("got reason %q, want it to say not a protected app", got.Reason)
	}
	if got.App != "" || len(got.PolicyIDs) != 0 {
		t.Errorf("got app %q and ids %v, want none", got.App, got.PolicyIDs)
	}
}

func TestDecideNoPolicyMatches(t *testing.T) {
	set := mustParse(t, conditionApps+"policies:\n  - {id: p, apps: [wiki], decision: block}\n")
	got := set.Decide(download("localhost:8080", ""), Device{})
	if got.Decision != protocol.DecisionAllow {
		t.Errorf("got decision %q, want allow", got.Decision)
	}
	if got.App != "filestore" {
		t.Errorf("got app %q, want filestore", got.App)
	}
	if got.Reason != "No policy matched this action in filestore." {
		t.Errorf("got reason %q", got.Reason)
	}
}

func TestDecideSampleReason(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := set.Decide(download("127.0.0.1:8080", "Q3-forecast.docx"), Device{Managed: false})
	want := `Policy block-docx-downloads (Block Word documents on this device) decided block because ` +
		`the app is filestore, the activity is download, the file name "Q3-forecast.docx" matches "*.docx" ` +
		`and the device is not managed.`
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

func TestDecideReasonWithoutApps(t *testing.T) {
	set := mustParse(t, conditionApps+"policies:\n  - {id: p, activities: [download], decision: monitor}\n")
	got := set.Decide(download("localhost:8080", ""), Device{})
	want := "Policy p decided monitor because it applies to every protected app, including filestore, and the activity is download."
	if got.Reason != want {
		t.Errorf("got reason %q, want %q", got.Reason, want)
	}
}

func TestDecideAllocations(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	outside := download("intranet.corp.test", "")
	if n := testing.AllocsPerRun(100, func() { set.Decide(outside, Device{}) }); n != 0 {
		t.Errorf("got %v allocations outside protected apps, want 0", n)
	}
	inside := download("127.0.0.1:8080", "q3.docx")
	// One for PolicyIDs and one for the reason.
	if n := testing.AllocsPerRun(100, func() { set.Decide(inside, Device{}) }); n > 2 {
		t.Errorf("got %v allocations for a match, want at most 2", n)
	}
}

func BenchmarkDecide(b *testing.B) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		b.Fatal(err)
	}
	req := download("127.0.0.1:8080", "Q3-forecast.docx")
	b.ReportAllocs()
	for b.Loop() {
		set.Decide(req, Device{})
	}
}
