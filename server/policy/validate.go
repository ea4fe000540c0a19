package policy

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"parapet/protocol"
)

// Limits on a policy file. maxApps and maxHostsPerApp equal the limits a
// policy.update message accepts, and maxMessage the limit of a verdict's
// message.
const (
	maxApps        = 1024
	maxHostsPerApp = 64
	maxShortText   = 256
	maxMessage     = 2048
)

// validator collects the first problem in a policy file.
type validator struct {
	file string
	err  *Error
}

func (v *validator) fail(field, format string, args ...any) {
	if v.err == nil {
		v.err = &Error{File: v.file, Field: field, Problem: fmt.Sprintf(format, args...)}
	}
}

func (v *validator) build(doc *fileDoc) *Set {
	if len(doc.Apps) > maxApps {
		v.fail("apps", "more than %d apps", maxApps)
	}
	set := &Set{Apps: make([]App, 0, len(doc.Apps)), Policies: make([]Policy, 0, len(doc.Policies))}
	appIDs := make(map[string]bool, len(doc.Apps))
	for i, a := range doc.Apps {
		field := fmt.Sprintf("apps[%d]", i)
		v.checkID(field+".id", a.ID, appIDs)
		v.checkText(field+".name", a.Name, maxShortText)
		v.checkHosts(field+".hosts", a.Hosts)
		set.Apps = append(set.Apps, App{ID: a.ID, Name: a.Name, Hosts: a.Hosts, Sensitive: a.Sensitive})
	}
	policyIDs := make(map[string]bool, len(doc.Policies))
	for i, p := range doc.Policies {
		field := fmt.Sprintf("policies[%d]", i)
		set.Policies = append(set.Policies, v.buildPolicy(field, p, appIDs, policyIDs))
	}
	return set
}

func (v *validator) buildPolicy(field string, doc policyDoc, appIDs, policyIDs map[string]bool) Policy {
	v.checkID(field+".id", doc.ID, policyIDs)
	v.checkText(field+".name", doc.Name, maxShortText)
	v.checkText(field+".message", doc.Message, maxMessage)
	p := Policy{ID: doc.ID, Name: doc.Name, Apps: doc.Apps, Files: doc.Files, Message: doc.Message}
	p.Decision = v.checkDecision(field+".decision", doc.Decision)

	for j, id := range doc.Apps {
		if !appIDs[id] {
			v.fail(fmt.Sprintf("%s.apps[%d]", field, j), "unknown app %q; define it under apps", id)
		}
	}
	if len(doc.Apps) > 0 {
		p.conditions = append(p.conditions, condition{kind: conditionApp, appIDs: doc.Apps})
	}

	for j, a := range doc.Activities {
		activity := protocol.Activity(a)
		if !protocol.ValidActivity(activity) {
			v.fail(fmt.Sprintf("%s.activities[%d]", field, j), "unknown activity %q", a)
		}
		p.Activities = append(p.Activities, activity)
	}
	if len(p.Activities) > 0 {
		p.conditions = append(p.conditions, condition{kind: conditionActivity, activities: p.Activities})
	}

	if len(doc.Files) > 0 {
		p.conditions = append(p.conditions, condition{kind: conditionFile, patterns: v.checkGlobs(field+".files", doc.Files)})
	}

	if doc.Device != nil && doc.Device.Managed != nil {
		p.Managed = doc.Device.Managed
		p.conditions = append(p.conditions, condition{kind: conditionManaged, managed: *doc.Device.Managed})
	}
	return p
}

func (v *validator) checkID(field, id string, seen map[string]bool) {
	switch {
	case id == "":
		v.fail(field, "missing")
	case !protocol.ValidID(id):
		v.fail(field, "invalid id %q; use at most %d characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'", id, protocol.MaxIDLength)
	case seen[id]:
		v.fail(field, "duplicate id %q", id)
	}
	seen[id] = true
}

func (v *validator) checkText(field, s string, limit int) {
	switch {
	case len(s) > limit:
		v.fail(field, "longer than %d bytes", limit)
	case !utf8.ValidString(s):
		v.fail(field, "not valid UTF-8")
	}
}

func (v *validator) checkHosts(field string, hosts []string) {
	if len(hosts) == 0 || len(hosts) > maxHostsPerApp {
		v.fail(field, "must list 1 to %d host patterns", maxHostsPerApp)
	}
	for j, h := range hosts {
		if problem := hostPatternProblem(h); problem != "" {
			v.fail(fmt.Sprintf("%s[%d]", field, j), "invalid host pattern %q: %s", h, problem)
		}
	}
}

// hostPatternProblem describes why h is not a protocol.MatchHost pattern,
// or returns "" for a valid one.
func hostPatternProblem(h string) string {
	switch {
	case h == "":
		return "empty"
	case len(h) > maxShortText:
		return fmt.Sprintf("longer than %d bytes", maxShortText)
	case strings.ContainsAny(h, "/ @?#\t\n"):
		return "must be a host with an optional port, not a URL"
	case strings.Contains(strings.TrimPrefix(strings.TrimSuffix(h, ":*"), "*."), "*"):
		return `"*" may only start the pattern as "*." or be the port as ":*"`
	}
	return ""
}

func (v *validator) checkDecision(field, d string) protocol.Decision {
	decision := protocol.Decision(d)
	switch {
	case d == "":
		v.fail(field, "missing; use allow, monitor or block")
	case decision == protocol.DecisionAllow, decision == protocol.DecisionMonitor, decision == protocol.DecisionBlock:
	case protocol.ValidDecision(decision):
		v.fail(field, "decision %q is not supported yet; use allow, monitor or block", d)
	default:
		v.fail(field, "unknown decision %q; use allow, monitor or block", d)
	}
	return decision
}

// checkGlobs returns the patterns in lower case, so that matching against
// a lower-cased file name is case-insensitive.
func (v *validator) checkGlobs(field string, patterns []string) []string {
	lower := make([]string, len(patterns))
	for j, p := range patterns {
		f := fmt.Sprintf("%s[%d]", field, j)
		if p == "" {
			v.fail(f, "empty pattern")
		}
		if strings.ContainsAny(p, `/\`) {
			v.fail(f, "pattern %q contains a folder separator, but patterns match base names only", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			v.fail(f, "invalid glob pattern %q: %v", p, err)
		}
		lower[j] = strings.ToLower(p)
	}
	return lower
}
