package policy

import (
	"parapet/protocol"
)

// Reason codes of a Result. They are stable, so logs and tools may match
// on them.
const (
	// CodePolicyMatched means an enforced policy decided the action.
	CodePolicyMatched = "policy_matched"
	// CodeNoPolicyMatched means the action is in a protected app but no
	// enforced policy matched, so it is allowed.
	CodeNoPolicyMatched = "no_policy_matched"
	// CodeNotProtected means the action is outside every protected app.
	CodeNotProtected = "not_protected"
	// CodeTestModePrefix starts the code of a test-mode result, followed
	// by the decision, as in test_mode_would_block.
	CodeTestModePrefix = "test_mode_would_"
)

// Result is the outcome of Decide and Explain.
type Result struct {
	Decision protocol.Decision
	// Code is CodePolicyMatched, CodeNoPolicyMatched or CodeNotProtected.
	Code string
	// Message is the deciding policy's text for the user, if any; it
	// equals Params.Message.
	Message string
	// Reason is one sentence naming the deciding policy and what matched.
	Reason string
	// PolicyIDs lists every matching enforced policy, in evaluation order.
	PolicyIDs []string
	// App is the id of the protected app the action is in, or empty.
	App string
	// Policy is the id of the deciding policy, or empty.
	Policy string
	// Severity is the deciding policy's severity, or empty.
	Severity Severity
	// Params are the deciding policy's decision parameters.
	Params Params
	// WouldHave lists the matching test-mode policies, which do not change
	// Decision.
	WouldHave []WouldHave
	// SatisfiedStepUps lists the matching step_up policies that did not
	// decide, because the session authenticated within their max_age.
	SatisfiedStepUps []string
	// Trace has one entry per evaluated policy. Only Explain fills it.
	Trace []TraceEntry
}

// WouldHave is a matching test-mode policy and what it would have decided.
type WouldHave struct {
	Policy   string            `json:"policy"`
	Decision protocol.Decision `json:"decision"`
	// Code is CodeTestModePrefix followed by the decision.
	Code string `json:"code"`
}

// TraceEntry explains one policy's evaluation.
type TraceEntry struct {
	Policy  string `json:"policy"`
	State   State  `json:"state"`
	Matched bool   `json:"matched"`
	// Path is the condition that decided the outcome, such as
	// `when.all[1].file.extensions`; empty means the policy's conditions
	// as a whole, which matched.
	Path string `json:"path,omitempty"`
	// Reason describes the deciding condition's outcome, such as `file
	// extension is not docx`.
	Reason string `json:"reason"`
}

// Codes returns the result's reason code followed by the codes of its
// test-mode results.
func (r *Result) Codes() []string {
	codes := make([]string, 0, 1+len(r.WouldHave))
	codes = append(codes, r.Code)
	for _, w := range r.WouldHave {
		codes = append(codes, w.Code)
	}
	return codes
}

// Explain is the JSON form of a Result for the activity log.
type Explain struct {
	Decision  protocol.Decision `json:"decision"`
	Codes     []string          `json:"codes"`
	Reason    string            `json:"reason"`
	App       string            `json:"app,omitempty"`
	Policy    string            `json:"policy,omitempty"`
	Severity  Severity          `json:"severity,omitempty"`
	PolicyIDs []string          `json:"policy_ids"`
	Params    *ExplainParams    `json:"params,omitempty"`
	WouldHave []WouldHave       `json:"would_have,omitempty"`
	// SatisfiedStepUps are step_up policies that matched but did not
	// decide, because the session authenticated recently enough.
	SatisfiedStepUps []string     `json:"satisfied_step_ups,omitempty"`
	Trace            []TraceEntry `json:"trace,omitempty"`
}

// ExplainParams are Params with max_age as a duration string such as
// "8h0m0s".
type ExplainParams struct {
	Message string     `json:"message,omitempty"`
	Fix     string     `json:"fix,omitempty"`
	Link    string     `json:"link,omitempty"`
	Label   string     `json:"label,omitempty"`
	Encrypt Encryption `json:"encrypt,omitempty"`
	MaxAge  string     `json:"max_age,omitempty"`
}

// Explain returns r in its JSON form.
func (r *Result) Explain() Explain {
	e := Explain{Decision: r.Decision, Codes: r.Codes(), Reason: r.Reason, App: r.App, Policy: r.Policy,
		Severity: r.Severity, PolicyIDs: r.PolicyIDs, WouldHave: r.WouldHave, SatisfiedStepUps: r.SatisfiedStepUps,
		Trace: r.Trace}
	if e.PolicyIDs == nil {
		e.PolicyIDs = []string{}
	}
	if r.Params != (Params{}) {
		e.Params = &ExplainParams{Message: r.Params.Message, Fix: r.Params.Fix, Link: r.Params.Link,
			Label: r.Params.Label, Encrypt: r.Params.Encrypt}
		if r.Params.MaxAge > 0 {
			e.Params.MaxAge = r.Params.MaxAge.String()
		}
	}
	return e
}
