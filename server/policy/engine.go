package policy

import (
	"strings"

	"parapet/protocol"
)

// Sentences of results that no policy decided.
const (
	reasonNotProtected = "The page's host is not a protected app."
	reasonNoPolicy     = "No policy matched this action in "
)

// Decide evaluates one action. An action outside every protected app is
// allowed. Otherwise the most restrictive decision of the matching enabled
// policies wins (see Rank); among equally restrictive ones, the first in
// evaluation order (higher priority, then file order) decides and supplies
// the message and parameters. A protected app with no matching policy
// allows the action. Matching test-mode policies go to WouldHave only. A
// matching step_up policy whose max_age the session's last authentication
// satisfies goes to SatisfiedStepUps and does not decide.
//
// Decide evaluates only the policies indexed under the action's app and
// activity. Its evaluation allocates nothing; the result allocates for
// PolicyIDs, WouldHave and Reason when a policy matches, and lower-casing
// allocates for names that contain upper-case letters.
func (s *Set) Decide(in *Input) Result { return s.decide(in, false) }

// Explain is Decide with a trace: it evaluates every enabled and test-mode
// policy, not only the indexed ones, and records in Result.Trace why each
// matched or not. It returns the same decision as Decide.
func (s *Set) Explain(in *Input) Result { return s.decide(in, true) }

func (s *Set) decide(in *Input, trace bool) Result {
	if in.Request == nil {
		return Result{Decision: protocol.DecisionAllow, Code: CodeNotProtected, Reason: reasonNotProtected}
	}
	app := s.appIndex(in.Request.AppHost)
	if app < 0 {
		return Result{Decision: protocol.DecisionAllow, Code: CodeNotProtected, Reason: reasonNotProtected}
	}
	f := newFacts(in, app)
	result := Result{Decision: protocol.DecisionAllow, App: s.Apps[app].ID}
	var decider *Policy
	consider := func(p *Policy) {
		ok, d := p.program.eval(0, &f)
		if trace {
			result.Trace = append(result.Trace, p.program.traceEntry(p, ok, d, &f))
		}
		if !ok {
			return
		}
		if p.State == StateTest {
			result.WouldHave = append(result.WouldHave, WouldHave{Policy: p.ID, Decision: p.Decision, Code: p.testCode})
			return
		}
		if p.Decision == protocol.DecisionStepUp && stepUpSatisfied(&f, p.Params.MaxAge) {
			result.SatisfiedStepUps = append(result.SatisfiedStepUps, p.ID)
			return
		}
		if result.PolicyIDs == nil {
			result.PolicyIDs = make([]string, 0, 4)
		}
		result.PolicyIDs = append(result.PolicyIDs, p.ID)
		if decider == nil || Rank(p.Decision) > Rank(decider.Decision) {
			decider = p
		}
	}
	if trace {
		result.Trace = make([]TraceEntry, 0, len(s.Policies))
		for i := range s.Policies {
			if s.Policies[i].State != StateDisabled {
				consider(&s.Policies[i])
			}
		}
	} else {
		for _, i := range s.index.candidates(app, f.activity) {
			consider(&s.Policies[i])
		}
	}

	if decider == nil {
		result.Code = CodeNoPolicyMatched
		result.Reason = reasonNoPolicy + s.Apps[app].ID + "."
		return result
	}
	result.Decision = decider.Decision
	result.Code = CodePolicyMatched
	result.Policy = decider.ID
	result.Severity = decider.Severity
	result.Params = decider.Params
	result.Message = decider.Params.Message
	result.Reason = decider.reason(&f)
	return result
}

func (p *program) traceEntry(pol *Policy, matched bool, d int32, f *facts) TraceEntry {
	n := &p.nodes[d]
	text := n.no
	if ok, _ := p.eval(d, f); ok {
		text = n.yes
	}
	return TraceEntry{Policy: pol.ID, State: pol.State, Matched: matched, Path: n.path, Reason: text}
}

// reason returns a sentence such as `Policy block-docx (Block Word files)
// decided block because app is filestore, activity is download and file
// name matches "*.docx".`
func (p *Policy) reason(f *facts) string {
	var buf [16]string
	parts := p.program.describe(0, f, true, buf[:0])
	size := 64 + len(p.ID) + len(p.Name) + len(p.Decision) + len(f.in.Request.AppHost)
	for _, part := range parts {
		size += len(part) + 5
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString("Policy ")
	b.WriteString(p.ID)
	if p.Name != "" {
		b.WriteString(" (")
		b.WriteString(p.Name)
		b.WriteString(")")
	}
	b.WriteString(" decided ")
	b.WriteString(string(p.Decision))
	if len(parts) == 0 {
		b.WriteString(" because it has no conditions, so it applies to every action in ")
		b.WriteString(f.in.Request.AppHost)
	} else {
		b.WriteString(" because ")
	}
	for i, part := range parts {
		switch {
		case i == 0:
		case i == len(parts)-1:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(part)
	}
	b.WriteString(".")
	return b.String()
}

// describe appends the texts of the leaves that gave node i the outcome
// want: every child of a matching all, the first matching child of an
// any, and the reverse for a failing node.
func (p *program) describe(i int32, f *facts, want bool, parts []string) []string {
	n := &p.nodes[i]
	switch n.op {
	case opNot:
		return p.describe(i+1, f, !want, parts)
	case opAll, opAny:
		// A matching all and a failing any need every child; a failing
		// all and a matching any need only the first child that decides.
		every := (n.op == opAll) == want
		for j := i + 1; j < n.end; j = p.nodes[j].end {
			ok, _ := p.eval(j, f)
			if every {
				parts = p.describe(j, f, want, parts)
			} else if ok == want {
				return p.describe(j, f, want, parts)
			}
		}
		return parts
	}
	if want {
		return append(parts, n.yes)
	}
	return append(parts, n.no)
}
