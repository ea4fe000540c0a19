package policyview

import (
	"slices"
	"testing"
)

func TestSplitBundle(t *testing.T) {
	tests := []struct {
		name, data string
		want       []string
	}{
		{"one document", "apps: []\n", []string{"b.yaml"}},
		{"stream", "---\n# file: 10-apps.yaml\napps: []\n---\npolicies: []\n", []string{"10-apps.yaml", "b.yaml#2"}},
		{"leading separator only", "---\napps: []\n", []string{"b.yaml#1"}},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range splitBundle("b.yaml", []byte(tt.data)) {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got files %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	old := "apps:\n  - id: a\n    hosts: [x]\n  - id: b\n    hosts: [y]\npolicies:\n  - id: p\n    decision: allow\n"
	new := "apps:\n  - id: a\n    hosts: [z]\n  - id: c\n    hosts: [y]\npolicies:\n  - id: p\n    decision: allow\n"
	diff, err := Compare([]byte(old), []byte(new))
	if err != nil {
		t.Fatal(err)
	}
	apps := diff["apps"]
	if !slices.Equal(apps.Added, []string{"c"}) || !slices.Equal(apps.Removed, []string{"b"}) || !slices.Equal(apps.Changed, []string{"a"}) {
		t.Errorf("got apps %+v, want c added, b removed, a changed", apps)
	}
	if _, ok := diff["policies"]; ok {
		t.Errorf("got policies %+v, want no entry for unchanged policies", diff["policies"])
	}
	same, _ := Compare([]byte(old), []byte(old))
	if !same.Empty() {
		t.Errorf("got %v for equal bundles, want empty", same)
	}
}

func TestParseStreamMatchesFiles(t *testing.T) {
	stream := "---\n# file: apps.yaml\napps:\n  - id: wiki\n    hosts: [\"*.wiki.corp.test\"]\n---\n# file: policies.yaml\npolicies:\n  - id: m\n    apps: [wiki]\n    decision: monitor\n"
	set, err := Parse(BundleName, []byte(stream))
	if err != nil {
		t.Fatal(err)
	}
	if apps, policies := Counts(set); apps != 1 || policies != 1 {
		t.Errorf("got %d apps and %d policies, want 1 and 1", apps, policies)
	}
	if _, err := Parse(BundleName, []byte("---\npolicies:\n  - id: m\n    apps: [nope]\n    decision: monitor\n")); err == nil {
		t.Error("got no error for an unknown app, want one")
	}
}
