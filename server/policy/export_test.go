package policy

import (
	"strings"
	"testing"
)

func TestExportRoundTrip(t *testing.T) {
	set := parseSet(t,
		"{id: b, name: Block, priority: 3, severity: high, decision: block, message: no, files: ['*.docx'], when: {any: [{user: {groups: [finance]}}, {not: {network: {tags: [corporate]}}}]}}",
		"{id: s, decision: step_up, max_age: 8h, state: test, device: {managed: false}}",
	)
	data, err := Export(set)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("exported.yaml", data)
	if err != nil {
		t.Fatalf("parsing the export: %v\n%s", err, data)
	}
	if changes := Diff(set, again); len(changes) != 0 {
		t.Errorf("got changes %+v after a round trip, want none", changes)
	}
	second, err := Export(again)
	if err != nil {
		t.Fatal(err)
	}
	if string(second) != string(data) {
		t.Errorf("got a different export the second time:\n%s\nwant\n%s", second, data)
	}
	for _, want := range []string{"\n  - id: b\n    name: Block\n    priority: 3\n", "    when:\n      any:\n", "max_age: 8h"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("export does not contain %q:\n%s", want, data)
		}
	}
}

func TestExportFolder(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": validApps,
		"b.yaml": "policies:\n  - {id: p, decision: allow, apps: [filestore]}\n",
	})
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Export(set)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := Parse("merged.yaml", data)
	if err != nil {
		t.Fatalf("parsing the merged export: %v", err)
	}
	if len(merged.Apps) != 1 || len(merged.Policies) != 1 || len(merged.Labels) != 1 {
		t.Errorf("got %d apps, %d labels and %d policies, want 1 each", len(merged.Apps), len(merged.Labels), len(merged.Policies))
	}
}
