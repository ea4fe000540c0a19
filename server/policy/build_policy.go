package policy

import (
	"fmt"
	"net/url"
	"slices"
	"time"

	"parapet/protocol"
)

func (b *builder) buildPolicies(docs []policyDoc, origins []origin) {
	seen := map[string]origin{}
	policies := make([]Policy, 0, len(docs))
	for i := range docs {
		policies = append(policies, b.buildPolicy(origins[i], &docs[i], seen))
	}
	// Evaluation order: higher priority first, file order within a
	// priority. The stable sort keeps the file order.
	slices.SortStableFunc(policies, func(x, y Policy) int { return y.Priority - x.Priority })
	b.set.Policies = policies
}

func (b *builder) buildPolicy(o origin, doc *policyDoc, seen map[string]origin) Policy {
	b.checkID(o, doc.ID, seen)
	b.checkText(o, "name", doc.Name, maxShortText)
	p := Policy{ID: doc.ID, Name: doc.Name, Priority: doc.Priority, Apps: doc.Apps, Files: doc.Files, File: o.file}

	p.State = State(doc.State)
	switch p.State {
	case "":
		p.State = StateEnabled
	case StateEnabled, StateDisabled, StateTest:
	default:
		b.fail(o, "state", "unknown state %q; use enabled, disabled or test", doc.State)
	}
	p.Severity = Severity(doc.Severity)
	switch p.Severity {
	case "":
		p.Severity = SeverityMedium
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
	default:
		b.fail(o, "severity", "unknown severity %q; use low, medium, high or critical", doc.Severity)
	}
	p.Decision, p.Params = b.buildDecision(o, doc)
	p.testCode = "test_mode_would_" + string(p.Decision)

	for _, a := range doc.Activities {
		p.Activities = append(p.Activities, protocol.Activity(a))
	}
	if doc.Device != nil {
		p.Managed = doc.Device.Managed
	}
	c := compiler{b: b, o: o}
	p.program = c.compilePolicy(doc)
	return p
}

// buildDecision checks the decision and that only its own parameters are
// set, so a typo such as fix on a warn policy does not go unnoticed.
func (b *builder) buildDecision(o origin, doc *policyDoc) (protocol.Decision, Params) {
	d := protocol.Decision(doc.Decision)
	params := Params{Message: doc.Message, Fix: doc.Fix, Link: doc.Link, Label: doc.Label, Encrypt: Encryption(doc.Encrypt)}
	b.checkText(o, "message", doc.Message, maxMessage)
	b.checkText(o, "fix", doc.Fix, maxMessage)
	if doc.Decision == "" {
		b.fail(o, "decision", "missing; use allow, monitor, warn, block, protect or step_up")
		return d, params
	}
	if !protocol.ValidDecision(d) {
		b.fail(o, "decision", "unknown decision %q; use allow, monitor, warn, block, protect or step_up", doc.Decision)
		return d, params
	}

	allowed := map[string]bool{}
	switch d {
	case protocol.DecisionWarn:
		allowed["message"] = true
	case protocol.DecisionBlock:
		allowed["message"], allowed["fix"], allowed["link"] = true, true, true
	case protocol.DecisionProtect:
		allowed["label"], allowed["encrypt"] = true, true
	case protocol.DecisionStepUp:
		allowed["max_age"] = true
	}
	given := map[string]string{"message": doc.Message, "fix": doc.Fix, "link": doc.Link,
		"label": doc.Label, "encrypt": doc.Encrypt, "max_age": doc.MaxAge}
	for _, field := range []string{"message", "fix", "link", "label", "encrypt", "max_age"} {
		if given[field] != "" && !allowed[field] {
			b.fail(o, field, "not a parameter of decision %s", d)
		}
	}

	if doc.Link != "" {
		if u, err := url.Parse(doc.Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			b.fail(o, "link", "invalid link %q; use an absolute http or https URL", doc.Link)
		}
	}
	switch d {
	case protocol.DecisionProtect:
		b.buildProtect(o, doc, &params)
	case protocol.DecisionStepUp:
		if doc.MaxAge == "" {
			b.fail(o, "max_age", "missing; step_up needs the maximum age of the last sign-in, such as 8h")
			break
		}
		maxAge, err := time.ParseDuration(doc.MaxAge)
		if err != nil || maxAge <= 0 {
			b.fail(o, "max_age", "invalid duration %q; use a positive duration such as 15m or 8h", doc.MaxAge)
		}
		params.MaxAge = maxAge
	}
	return d, params
}

// buildProtect resolves the label and the encryption, which defaults to
// the label's own protection.
func (b *builder) buildProtect(o origin, doc *policyDoc, params *Params) {
	if doc.Label == "" {
		b.fail(o, "label", "missing; protect needs the id of a label under labels")
		return
	}
	label, ok := b.labels[lowerASCII(doc.Label)]
	if !ok {
		b.fail(o, "label", "unknown label %q; define it under labels", doc.Label)
		return
	}
	params.Label = label.ID
	switch params.Encrypt {
	case "":
		params.Encrypt = map[LabelProtection]Encryption{
			ProtectionNone: EncryptNone, ProtectionEncryptOrg: EncryptOrg, ProtectionEncryptUser: EncryptUser,
		}[label.Protection]
	case EncryptNone, EncryptOrg, EncryptUser:
	default:
		b.fail(o, "encrypt", "unknown encryption %q; use none, org or user", doc.Encrypt)
	}
}

func lowerASCII(s string) string {
	buf := []byte(s)
	for i, c := range buf {
		if c >= 'A' && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	return string(buf)
}

// fieldIndex formats a sequence element's field name, such as apps[2].
func fieldIndex(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }
