package policy

import "testing"

func TestConditionUser(t *testing.T) {
	ana := func(in *Input) { in.User = User{ID: "u1", Email: "ana@corp.test"} }
	bob := func(in *Input) { in.User = User{ID: "u2", Email: "Bob@Finance.Corp.Test"} }
	guest := func(in *Input) { in.User = User{Email: "eve@partner.test", Guest: true} }
	directory := func(in *Input) { in.User = User{Email: "carl@corp.test", Groups: []string{"finance"}} }
	runConditionCases(t, []conditionCase{
		{"id matches", "{user: {ids: [u1]}}", with(download(""), ana), true},
		{"id differs", "{user: {ids: [u1]}}", with(download(""), bob), false},
		{"email any case", "{user: {emails: [ANA@corp.test]}}", with(download(""), ana), true},
		{"email differs", "{user: {emails: [ana@corp.test]}}", with(download(""), bob), false},
		{"domain matches", "{user: {domains: [finance.corp.test]}}", with(download(""), bob), true},
		{"domain differs", "{user: {domains: [corp.test]}}", with(download(""), bob), false},
		{"group by member", "{user: {groups: [finance]}}", with(download(""), ana), true},
		{"group by domain", "{user: {groups: [finance]}}", with(download(""), bob), true},
		{"group by directory", "{user: {groups: [finance]}}", with(download(""), directory), true},
		{"group differs", "{user: {groups: [finance]}}", with(download(""), guest), false},
		{"guest matches", "{user: {guest: true}}", with(download(""), guest), true},
		{"guest differs", "{user: {guest: true}}", with(download(""), ana), false},
		{"not guest", "{user: {guest: false}}", with(download(""), ana), true},
		{"no user", "{user: {emails: [ana@corp.test]}}", download(""), false},
		{"fields all match", "{user: {domains: [corp.test], guest: false}}", with(download(""), ana), true},
		{"fields one fails", "{user: {domains: [corp.test], guest: true}}", with(download(""), ana), false},
	})
}
