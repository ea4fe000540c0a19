package policy

import (
	"testing"
)

func TestDiff(t *testing.T) {
	old := parseSet(t, "{id: keep, decision: monitor}", "{id: gone, decision: allow}",
		"{id: edit, decision: block, message: old text, files: ['*.docx']}")
	changed := parseSet(t, "{id: keep, decision: monitor}", "{id: edit, decision: block, message: new text, files: ['*.docx', '*.xlsx']}",
		"{id: new, decision: warn}")
	got := Diff(old, changed)
	want := []Change{
		{Kind: "policy", ID: "gone", Op: OpRemoved},
		{Kind: "policy", ID: "edit", Op: OpChanged, Fields: []FieldChange{
			{Field: "files", Old: `["*.docx"]`, New: `["*.docx", "*.xlsx"]`},
			{Field: "message", Old: "old text", New: "new text"},
		}},
		{Kind: "policy", ID: "new", Op: OpAdded},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d changes %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].ID != want[i].ID || got[i].Op != want[i].Op {
			t.Errorf("change %d: got %s %s %s, want %s %s %s", i, got[i].Op, got[i].Kind, got[i].ID, want[i].Op, want[i].Kind, want[i].ID)
		}
		if len(got[i].Fields) != len(want[i].Fields) {
			t.Errorf("change %d: got fields %+v, want %+v", i, got[i].Fields, want[i].Fields)
			continue
		}
		for j := range want[i].Fields {
			if got[i].Fields[j] != want[i].Fields[j] {
				t.Errorf("change %d field %d: got %+v, want %+v", i, j, got[i].Fields[j], want[i].Fields[j])
			}
		}
	}
}

func TestDiffKinds(t *testing.T) {
	base := mustParseText(t, "apps:\n  - {id: a, hosts: [x]}\nip_ranges:\n  - {id: r, cidrs: [10.0.0.0/8]}\n")
	next := mustParseText(t, "apps:\n  - {id: a, hosts: [x, z]}\ngroups:\n  - {id: g, domains: [corp.test]}\n")
	got := Diff(base, next)
	want := []string{"changed app a", "removed ip_range r", "added group g"}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %v", got, want)
	}
	for i, c := range got {
		if s := c.Op + " " + c.Kind + " " + c.ID; s != want[i] {
			t.Errorf("change %d: got %q, want %q", i, s, want[i])
		}
	}
	if f := got[0].Fields; len(f) != 1 || f[0].Field != "hosts" || f[0].Old != "[x]" || f[0].New != "[x, z]" {
		t.Errorf("got app fields %+v, want hosts [x] to [x, z]", f)
	}
}

func TestDiffWhenAndNil(t *testing.T) {
	old := parseSet(t, "{id: p, decision: block, when: {file: {extensions: [docx]}}}")
	next := parseSet(t, "{id: p, decision: block, when: {file: {extensions: [pdf]}}}")
	got := Diff(old, next)
	if len(got) != 1 || len(got[0].Fields) != 1 || got[0].Fields[0].Field != "when" {
		t.Fatalf("got %+v, want one change of when", got)
	}
	if f := got[0].Fields[0]; f.Old != "{file: {extensions: [docx]}}" || f.New != "{file: {extensions: [pdf]}}" {
		t.Errorf("got when %q to %q", f.Old, f.New)
	}
	if n := len(Diff(old, old)); n != 0 {
		t.Errorf("got %d changes between a set and itself, want 0", n)
	}
	added := Diff(nil, old)
	if len(added) != len(old.Apps)+len(old.IPRanges)+len(old.Groups)+len(old.Labels)+len(old.PostureProfiles)+1 {
		t.Errorf("got %d changes from nil, want every object added", len(added))
	}
}

func mustParseText(t *testing.T, text string) *Set {
	t.Helper()
	set, err := Parse("test.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return set
}
