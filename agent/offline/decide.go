package offline

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/policy"
)

// Facts are the facts about an action that the agent has without the server.
type Facts struct {
	// User is the device's user, by email address when it contains "@".
	User string
	// DeviceID is the enrolled device id.
	DeviceID string
	// Posture holds the local posture facts under the names that posture
	// profiles use (see PostureFacts).
	Posture map[string]string
	// Time is when the action happens; zero means now.
	Time time.Time
}

// Decision is an offline verdict with what decided it.
type Decision struct {
	Verdict protocol.Verdict
	// FailMode is true when the app's fail mode decided, because a
	// policy that needs the server could have decided more strictly.
	FailMode bool
}

// Decide decides req by the set's local policies. cause is why the server
// could not decide, such as "the server was unreachable", and goes into
// the reason. The verdict has no RequestID and no EventID,
// which the caller sets.
//
// An enforced policy that needs server facts (see the package's rules)
// and is in scope for the action's app and activity, with a decision
// more restrictive than the local result, makes the app's fail mode
// apply instead: a fail-closed app blocks, and a fail-open app keeps the
// local result.
func (s *Set) Decide(req *protocol.ActionRequest, facts Facts, cause string) Decision {
	app := s.full.AppForHost(req.AppHost)
	if app == nil {
		return Decision{Verdict: protocol.Verdict{Decision: protocol.DecisionAllow, PolicyIDs: []string{},
			Reason: fmt.Sprintf("Allowed offline because %s and host %s is in no protected app of policy revision %d.",
				cause, req.AppHost, s.Revision)}}
	}
	result := s.local.Decide(input(req, facts))
	v := protocol.Verdict{Decision: result.Decision, Message: result.Message, PolicyIDs: result.PolicyIDs,
		Fix: result.Params.Fix, Link: result.Params.Link,
		Reason: fmt.Sprintf("Decided offline by policy revision %d because %s: %s", s.Revision, cause, result.Reason)}
	if v.PolicyIDs == nil {
		v.PolicyIDs = []string{}
	}
	if result.Decision == protocol.DecisionProtect {
		v.Protect = s.protection(result.Params)
		if v.Protect == nil {
			// The local set was parsed from the same bundle, so the label
			// exists; this guards against a protect without a label.
			v.Decision, v.Protect = protocol.DecisionBlock, nil
			v.Message = "Parapet could not protect this file, so the download is blocked. Contact IT."
		}
	}
	stricter := s.stricterSkipped(app.ID, req, result.Decision)
	if len(stricter) == 0 {
		return Decision{Verdict: v}
	}
	if app.FailMode != policy.FailClosed {
		v.Reason += fmt.Sprintf(" Policies %s need the server and were skipped; app %s fails open.",
			strings.Join(stricter, ", "), app.ID)
		return Decision{Verdict: v}
	}
	return Decision{FailMode: true, Verdict: protocol.Verdict{
		Decision:  protocol.DecisionBlock,
		PolicyIDs: []string{},
		Message: fmt.Sprintf("Parapet cannot reach its server, so this action is blocked in %s. "+
			"Try again when your connection to the company network is back.", app.ID),
		Reason: fmt.Sprintf("Blocked offline because %s, app %s fails closed, and policies %s need the server to decide.",
			cause, app.ID, strings.Join(stricter, ", ")),
	}}
}

// stricterSkipped returns the ids of the skipped policies in scope for
// the request in app whose decision ranks above d.
func (s *Set) stricterSkipped(app string, req *protocol.ActionRequest, d protocol.Decision) []string {
	var ids []string
	for _, p := range s.skipped {
		if len(p.apps) > 0 && !slices.Contains(p.apps, app) {
			continue
		}
		if len(p.activities) > 0 && !slices.Contains(p.activities, req.Activity) {
			continue
		}
		if len(p.files) > 0 && !matchesAny(p.files, req.File) {
			continue
		}
		if policy.Rank(p.decision) > policy.Rank(d) {
			ids = append(ids, p.id)
		}
	}
	return ids
}

// protection returns the label-only protection of params, or nil when
// the label is not defined. Encrypting protections are never decided
// offline (see serverDecision).
func (s *Set) protection(params policy.Params) *protocol.Protection {
	for _, l := range s.full.Labels {
		if l.ID == params.Label {
			return &protocol.Protection{Label: protocol.FileLabel{ID: l.ID, TenantID: l.Tenant, Name: l.Name},
				Encrypt: protocol.EncryptNone}
		}
	}
	return nil
}

func input(req *protocol.ActionRequest, facts Facts) *policy.Input {
	in := &policy.Input{
		Request: req,
		Device:  policy.DeviceFacts{ID: facts.DeviceID, Enrolled: true, Posture: facts.Posture},
		Time:    facts.Time,
	}
	if strings.Contains(facts.User, "@") {
		in.User.Email = facts.User
	}
	if f := req.File; f != nil {
		if f.Label != nil {
			in.File.LabelID = f.Label.ID
			in.File.LabelTenant = f.Label.TenantID
		}
		in.File.Detectors = f.Detectors
	}
	return in
}

// PostureFacts returns the facts of a posture report under the names that
// posture profiles use, as the server derives them: an enabled check is
// "true", a disabled one "false", and an unknown one gives no fact.
func PostureFacts(p *protocol.PostureReport) map[string]string {
	if p == nil {
		return nil
	}
	facts := map[string]string{}

	set := func(name, value string) {
		if value != "" {
			facts[name] = value
		}
	}
	set(policy.FactOS, p.OS)
	set(policy.FactOSVersion, p.PlatformVersion)
	set(policy.FactAgentVersion, p.AgentVersion)
	set("platform", p.Platform)
	set("kernel_version", p.KernelVersion)
	set("credential_store", p.CredentialStore)

	checks := map[string]*protocol.PostureCheck{
		policy.FactDiskEncryption: p.DiskEncryption,
		policy.FactFirewall:       p.Firewall,
		policy.FactScreenLock:     p.ScreenLock,
		"auto_updates":            p.AutoUpdates,
	}
	for name, check := range checks {
		switch {
		case check == nil:
		case check.State == protocol.PostureEnabled:
			facts[name] = "true"
		case check.State == protocol.PostureDisabled:
			facts[name] = "false"
		}
	}
	return facts
}

// matchesAny reports whether the file's base name matches one of the
// patterns as the engine matches them: path.Match, case-insensitive. A
// request without a file matches no pattern.
func matchesAny(patterns []string, file *protocol.FileInfo) bool {
	if file == nil {
		return false
	}
	name := strings.ToLower(file.Name)
	for _, pattern := range patterns {
		if ok, _ := path.Match(strings.ToLower(pattern), name); ok {
			return true
		}
	}
	return false
}
