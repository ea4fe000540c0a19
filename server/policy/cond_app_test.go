package policy

import (
	"testing"

	"parapet/protocol"
)

func TestConditionApp(t *testing.T) {
	wiki := &Input{Request: action("team.wiki.corp.test", protocol.ActivityCopy, "")}
	runConditionCases(t, []conditionCase{
		{"id matches", "{app: {ids: [filestore]}}", download(""), true},
		{"id differs", "{app: {ids: [filestore]}}", wiki, false},
		{"subdomain", "{app: {ids: [wiki]}}", wiki, true},
		{"tag matches", "{app: {tags: [finance]}}", download(""), true},
		{"tag differs", "{app: {tags: [finance]}}", wiki, false},
		{"sensitive tag", "{app: {tags: [sensitive]}}", download(""), true},
	})
}

func TestAppFailMode(t *testing.T) {
	tests := []struct {
		name string
		app  string
		want FailMode
	}{
		{"default open", "{id: a, hosts: [x]}", FailOpen},
		{"sensitive tag", "{id: a, hosts: [x], tags: [sensitive]}", FailClosed},
		{"sensitive shorthand", "{id: a, hosts: [x], sensitive: true}", FailClosed},
		{"explicit open", "{id: a, hosts: [x], tags: [sensitive], fail_mode: open}", FailOpen},
		{"explicit closed", "{id: a, hosts: [x], fail_mode: closed}", FailClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Parse("apps.yaml", []byte("apps:\n  - "+tt.app+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := set.Apps[0].FailMode; got != tt.want {
				t.Errorf("got fail mode %q, want %q", got, tt.want)
			}
			if got := set.ProtocolApps()[0].Sensitive; got != (tt.want == FailClosed) {
				t.Errorf("got protocol sensitive %v, want %v", got, tt.want == FailClosed)
			}
		})
	}
}
