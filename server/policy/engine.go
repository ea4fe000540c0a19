package policy

import (
	"strings"

	"parapet/protocol"
)

// Reasons for actions that no policy decided.
const (
	ReasonNotProtected = "The page's host is not a protected app."
	reasonNoPolicy     = "No policy matched this action in "
)

// Decide evaluates req from a device with the facts dev. An action outside
// every protected app is allowed. Otherwise the most restrictive decision
// of all matching policies wins (see Rank), with ties going to the policy
// that comes first in the file, and a protected app with no matching policy
// allows the action. Decide allocates only for the result's PolicyIDs and
// Reason, and for the file name when it contains upper-case letters.
func (s *Set) Decide(req *protocol.ActionRequest, dev Device) Result {
	app := s.AppForHost(req.AppHost)
	if app == nil {
		return Result{Decision: protocol.DecisionAllow, Reason: ReasonNotProtected}
	}
	in := input{req: req, dev: dev, app: app}
	if req.File != nil {
		in.fileName = strings.ToLower(req.File.Name)
	}

	result := Result{Decision: protocol.DecisionAllow, App: app.ID}
	var decider *Policy
	for i := range s.Policies {
		p := &s.Policies[i]
		if !p.matches(&in) {
			continue
		}
		if result.PolicyIDs == nil {
			result.PolicyIDs = make([]string, 0, 4)
		}
		result.PolicyIDs = append(result.PolicyIDs, p.ID)
		if decider == nil || Rank(p.Decision) > Rank(decider.Decision) {
			decider = p
		}
	}
	if decider == nil {
		result.Reason = reasonNoPolicy + app.ID + "."
		return result
	}
	result.Decision = decider.Decision
	result.Message = decider.Message
	result.Reason = decider.explain(&in)
	return result
}

func (p *Policy) matches(in *input) bool {
	for i := range p.conditions {
		if !p.conditions[i].match(in) {
			return false
		}
	}
	return true
}

// explain returns a sentence such as `Policy block-docx (Block Word files)
// decided block because the app is filestore and the activity is download.`
func (p *Policy) explain(in *input) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("Policy ")
	b.WriteString(p.ID)
	if p.Name != "" {
		b.WriteString(" (")
		b.WriteString(p.Name)
		b.WriteString(")")
	}
	b.WriteString(" decided ")
	b.WriteString(string(p.Decision))
	b.WriteString(" because ")

	if len(p.conditions) == 0 || !hasAppCondition(p.conditions) {
		b.WriteString("it applies to every protected app, including ")
		b.WriteString(in.app.ID)
		if len(p.conditions) > 0 {
			b.WriteString(", and ")
		}
	}
	for i := range p.conditions {
		switch {
		case i == 0:
		case i == len(p.conditions)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		p.conditions[i].describe(&b, in)
	}

	b.WriteString(".")
	return b.String()
}

func hasAppCondition(conditions []condition) bool {
	for i := range conditions {
		if conditions[i].kind == conditionApp {
			return true
		}
	}
	return false
}
