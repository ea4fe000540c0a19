package policy

import (
	"testing"

	"parapet/protocol"
)

func TestConditionActivity(t *testing.T) {
	in := func(a protocol.Activity) *Input { return &Input{Request: action("localhost:8080", a, "")} }
	runConditionCases(t, []conditionCase{
		{"download", "{activity: [download]}", in(protocol.ActivityDownload), true},
		{"one of several", "{activity: [copy, cut, paste]}", in(protocol.ActivityPaste), true},
		{"sign in", "{activity: [sign_in]}", in(protocol.ActivitySignIn), true},
		{"differs", "{activity: [upload, print]}", in(protocol.ActivityNavigate), false},
		{"unknown activity", "{activity: [download]}", in("fax"), false},
		{"not print", "{not: {activity: [print]}}", in(protocol.ActivityCopy), true},
	})
}
