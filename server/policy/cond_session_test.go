package policy

import (
	"testing"
	"time"

	"parapet/protocol"
)

func TestConditionSession(t *testing.T) {
	signedIn := func(in *Input) { in.Session = SessionFacts{SignedIn: true} }
	moved := func(in *Input) { in.Session = SessionFacts{SignedIn: true, IPChanged: true} }
	runConditionCases(t, []conditionCase{
		{"signed in matches", "{session: {signed_in: true}}", with(download(""), signedIn), true},
		{"signed in without session", "{session: {signed_in: true}}", download(""), false},
		{"not signed in matches", "{session: {signed_in: false}}", download(""), true},
		{"not signed in with session", "{session: {signed_in: false}}", with(download(""), signedIn), false},
		{"ip changed matches", "{session: {ip_changed: true}}", with(download(""), moved), true},
		{"ip unchanged", "{session: {ip_changed: true}}", with(download(""), signedIn), false},
		{"ip changed without session", "{session: {ip_changed: true}}", download(""), false},
		{"ip not changed matches", "{session: {ip_changed: false}}", with(download(""), signedIn), true},
		{"fields all match", "{session: {signed_in: true, ip_changed: true}}", with(download(""), moved), true},
	})
}

func TestConditionSessionRejectsUnknownField(t *testing.T) {
	_, err := Parse("test.yaml", []byte(objects+"policies:\n  - {id: p, decision: block, when: {session: {risky: true}}}\n"))
	if err == nil {
		t.Fatal("got no error for session.risky, want one")
	}
}

func TestStepUpMaxAge(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)
	tests := []struct {
		name          string
		authenticated time.Time
		want          protocol.Decision
	}{
		{"no session", time.Time{}, protocol.DecisionStepUp},
		{"recent sign-in", at.Add(-5 * time.Minute), protocol.DecisionAllow},
		{"exactly max age", at.Add(-15 * time.Minute), protocol.DecisionAllow},
		{"old sign-in", at.Add(-16 * time.Minute), protocol.DecisionStepUp},
	}
	set := parseSet(t, "{id: reauth, decision: step_up, max_age: 15m}")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := download("")
			in.Session = SessionFacts{SignedIn: !tt.authenticated.IsZero(), AuthenticatedAt: tt.authenticated}
			got := set.Decide(in)
			if got.Decision != tt.want {
				t.Errorf("got decision %q, want %q (reason %q)", got.Decision, tt.want, got.Reason)
			}
			satisfied := len(got.SatisfiedStepUps) == 1 && got.SatisfiedStepUps[0] == "reauth"
			if satisfied != (tt.want == protocol.DecisionAllow) {
				t.Errorf("got SatisfiedStepUps %v for decision %q", got.SatisfiedStepUps, got.Decision)
			}
		})
	}
}

func TestStepUpIPChangedNotSatisfied(t *testing.T) {
	set := parseSet(t, "{id: reauth, decision: step_up, max_age: 1h}")
	in := download("")
	in.Session = SessionFacts{SignedIn: true, IPChanged: true, AuthenticatedAt: in.Time.Add(-time.Minute)}
	if got := set.Decide(in); got.Decision != protocol.DecisionStepUp {
		t.Errorf("got decision %q, want step_up", got.Decision)
	}
}

func TestStepUpSatisfiedKeepsBlock(t *testing.T) {
	set := parseSet(t, "{id: reauth, decision: step_up, max_age: 1h}", "{id: stop, decision: block}")
	in := download("")
	in.Session = SessionFacts{SignedIn: true, AuthenticatedAt: in.Time.Add(-time.Minute)}
	got := set.Decide(in)
	if got.Decision != protocol.DecisionBlock {
		t.Errorf("got decision %q, want block", got.Decision)
	}
}
