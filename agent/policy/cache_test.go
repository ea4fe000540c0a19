package policy

import (
	"os"
	"path/filepath"
	"testing"

	"parapet/protocol"
)

var update = &protocol.PolicyUpdate{Revision: 3, Apps: []protocol.App{
	{ID: "payroll", Hosts: []string{"payroll.corp.test"}, Sensitive: true},
	{ID: "wiki", Hosts: []string{"*.wiki.corp.test"}},
}}

func TestCacheSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Current() != nil {
		t.Fatal("got a policy in a new cache, want none")
	}
	changed, err := c.Set(update)
	if err != nil || !changed {
		t.Fatalf("Set: changed=%v err=%v, want true, nil", changed, err)
	}
	again, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got := again.Current()
	if got == nil || got.Revision != 3 || len(got.Apps) != 2 {
		t.Fatalf("got %+v after reopen, want revision 3 with 2 apps", got)
	}
}

func TestCacheSetUnchanged(t *testing.T) {
	c, _ := Open(filepath.Join(t.TempDir(), "policy.json"))
	c.Set(update)
	copy := *update
	changed, err := c.Set(&copy)
	if err != nil || changed {
		t.Errorf("got changed=%v err=%v for an equal update, want false, nil", changed, err)
	}
}

func TestCacheLookup(t *testing.T) {
	c, _ := Open(filepath.Join(t.TempDir(), "policy.json"))
	c.Set(update)
	cases := []struct {
		host string
		app  string
		ok   bool
	}{
		{"payroll.corp.test", "payroll", true},
		{"PAYROLL.corp.test:443", "payroll", true},
		{"docs.wiki.corp.test", "wiki", true},
		{"wiki.corp.test", "", false},
		{"example.test", "", false},
	}
	for _, tc := range cases {
		app, ok := c.Lookup(tc.host)
		if ok != tc.ok || app.ID != tc.app {
			t.Errorf("Lookup(%q) = %q, %v, want %q, %v", tc.host, app.ID, ok, tc.app, tc.ok)
		}
	}
}

func TestOpenRejectsCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	os.WriteFile(path, []byte(`{"revision":-1,"apps":[]}`), 0o600)
	c, err := Open(path)
	if err == nil {
		t.Error("got nil, want an error for a negative revision")
	}
	if c == nil || c.Current() != nil {
		t.Error("got no usable empty cache after the error")
	}
}
