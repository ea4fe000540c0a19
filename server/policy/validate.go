package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"parapet/protocol"
)

// Limits on a policy set. maxApps and maxHostsPerApp equal the limits a
// policy.update message accepts, and maxMessage the limit of a verdict's
// message.
const (
	maxApps        = 1024
	maxHostsPerApp = 64
	maxShortText   = 256
	maxMessage     = 2048
)

// builder turns merged policy documents into a Set and keeps the first
// problem it finds.
type builder struct {
	err *Error
	set *Set

	appIDs   map[string]int
	ipRanges map[string]*IPRange
	groups   map[string]*Group
	labels   map[string]*Label
	profiles map[string]*PostureProfile
}

func (b *builder) fail(o origin, field, format string, args ...any) {
	b.failLine(o, field, 0, format, args...)
}

func (b *builder) failLine(o origin, field string, line int, format string, args ...any) {
	if b.err == nil {
		b.err = &Error{File: o.file, Field: joinPath(o.field, field), Line: line, Problem: fmt.Sprintf(format, args...)}
	}
}

func (b *builder) build(src *sources) *Set {
	doc := &src.doc
	b.set = &Set{doc: doc}
	if len(doc.Apps) > maxApps {
		b.fail(origin{file: src.apps[maxApps].file}, "apps", "more than %d apps in the set", maxApps)
	}
	b.buildApps(doc.Apps, src.apps)
	b.buildIPRanges(doc.IPRanges, src.ipRanges)
	b.buildGroups(doc.Groups, src.groups)
	b.buildLabels(doc.Labels, src.labels)
	b.buildProfiles(doc.PostureProfiles, src.profiles)
	b.buildPolicies(doc.Policies, src.policies)
	if b.err == nil {
		b.set.index = buildIndex(b.set)
	}
	return b.set
}

func (b *builder) buildApps(docs []appDoc, origins []origin) {
	b.appIDs = make(map[string]int, len(docs))
	seen := map[string]origin{}
	for i, a := range docs {
		o := origins[i]
		b.checkID(o, a.ID, seen)
		b.checkText(o, "name", a.Name, maxShortText)
		b.checkHosts(o, a.Hosts)
		b.checkTags(o, a.Tags)
		app := App{ID: a.ID, Name: a.Name, Hosts: a.Hosts, Tags: slices.Clone(a.Tags)}
		if a.Sensitive && !containsString(app.Tags, TagSensitive) {
			app.Tags = append(app.Tags, TagSensitive)
		}
		switch FailMode(a.FailMode) {
		case "":
			app.FailMode = FailOpen
			if containsString(app.Tags, TagSensitive) {
				app.FailMode = FailClosed
			}
		case FailClosed, FailOpen:
			app.FailMode = FailMode(a.FailMode)
		default:
			b.fail(o, "fail_mode", "unknown fail mode %q; use closed or open", a.FailMode)
		}
		b.appIDs[a.ID] = len(b.set.Apps)
		b.set.Apps = append(b.set.Apps, app)
	}
}

func (b *builder) buildIPRanges(docs []ipRangeDoc, origins []origin) {
	b.ipRanges = make(map[string]*IPRange, len(docs))
	seen := map[string]origin{}
	b.set.IPRanges = make([]IPRange, 0, len(docs))
	for i, r := range docs {
		o := origins[i]
		b.checkID(o, r.ID, seen)
		b.checkText(o, "name", r.Name, maxShortText)
		b.checkTags(o, r.Tags)
		if len(r.CIDRs) == 0 {
			b.fail(o, "cidrs", "missing; list at least one CIDR such as 10.0.0.0/8")
		}
		ipRange := IPRange{ID: r.ID, Name: r.Name, Tags: r.Tags, Prefixes: b.parsePrefixes(o, "cidrs", r.CIDRs)}
		b.set.IPRanges = append(b.set.IPRanges, ipRange)
	}
	for i := range b.set.IPRanges {
		b.ipRanges[b.set.IPRanges[i].ID] = &b.set.IPRanges[i]
	}
}

// parsePrefixes parses CIDRs, accepting a bare address as a one-address
// prefix. Prefixes are masked and IPv4-mapped IPv6 forms are unmapped, so
// they compare with a source address the same way.
func (b *builder) parsePrefixes(o origin, field string, cidrs []string) []netip.Prefix {
	prefixes := make([]netip.Prefix, 0, len(cidrs))
	for j, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			addr, addrErr := netip.ParseAddr(c)
			if addrErr != nil {
				b.fail(o, fmt.Sprintf("%s[%d]", field, j), "invalid CIDR %q; write it like 10.0.0.0/8 or 2001:db8::/32", c)
				continue
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		prefixes = append(prefixes, p.Masked())
	}
	return prefixes
}

func (b *builder) buildGroups(docs []groupDoc, origins []origin) {
	b.groups = make(map[string]*Group, len(docs))
	seen := map[string]origin{}
	b.set.Groups = make([]Group, 0, len(docs))
	for i, g := range docs {
		o := origins[i]
		b.checkID(o, g.ID, seen)
		b.checkText(o, "name", g.Name, maxShortText)
		group := Group{ID: g.ID, Name: g.Name, members: make(map[string]bool, len(g.Members))}
		for j, m := range g.Members {
			m = strings.ToLower(m)
			if !strings.Contains(m, "@") {
				b.fail(o, fmt.Sprintf("members[%d]", j), "invalid email address %q", m)
			}
			group.Members = append(group.Members, m)
			group.members[m] = true
		}
		group.Domains = b.checkDomains(o, "domains", g.Domains)
		b.set.Groups = append(b.set.Groups, group)
	}
	for i := range b.set.Groups {
		b.groups[b.set.Groups[i].ID] = &b.set.Groups[i]
	}
}

func (b *builder) checkDomains(o origin, field string, domains []string) []string {
	lower := make([]string, len(domains))
	for j, d := range domains {
		lower[j] = strings.ToLower(d)
		if d == "" || strings.ContainsAny(d, "@/ ") {
			b.fail(o, fmt.Sprintf("%s[%d]", field, j), "invalid domain %q; write it like corp.example", d)
		}
	}
	return lower
}

func (b *builder) buildLabels(docs []labelDoc, origins []origin) {
	b.labels = make(map[string]*Label, len(docs))
	seen := map[string]origin{}
	b.set.Labels = make([]Label, 0, len(docs))
	for i, l := range docs {
		o := origins[i]
		id := strings.ToLower(l.ID)
		if !isGUID(id) {
			b.fail(o, "id", "invalid label id %q; use the label's GUID, such as 0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69", l.ID)
		}
		b.checkID(o, id, seen)
		b.checkText(o, "name", l.Name, maxShortText)
		if l.Tenant != "" && !isGUID(strings.ToLower(l.Tenant)) {
			b.fail(o, "tenant", "invalid tenant id %q; use the tenant's GUID", l.Tenant)
		}
		protection := LabelProtection(l.Protection)
		switch protection {
		case "":
			protection = ProtectionNone
		case ProtectionNone, ProtectionEncryptOrg, ProtectionEncryptUser:
		default:
			b.fail(o, "protection", "unknown protection %q; use none, encrypt_org or encrypt_user", l.Protection)
		}
		b.set.Labels = append(b.set.Labels, Label{ID: id, Name: l.Name, Tenant: strings.ToLower(l.Tenant), Protection: protection})
	}
	for i := range b.set.Labels {
		b.labels[b.set.Labels[i].ID] = &b.set.Labels[i]
	}
}

// isGUID reports whether s is a lower-case GUID in 8-4-4-4-12 form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (b *builder) buildProfiles(docs []profileDoc, origins []origin) {
	b.profiles = make(map[string]*PostureProfile, len(docs))
	seen := map[string]origin{}
	b.set.PostureProfiles = make([]PostureProfile, 0, len(docs))
	for i, p := range docs {
		o := origins[i]
		r := p.Requirements
		b.checkID(o, p.ID, seen)
		b.checkText(o, "name", p.Name, maxShortText)
		b.checkVersion(o, "requirements.min_os_version", r.MinOSVersion)
		b.checkVersion(o, "requirements.min_agent_version", r.MinAgentVersion)
		b.set.PostureProfiles = append(b.set.PostureProfiles, PostureProfile{
			ID: p.ID, Name: p.Name, OS: lowerAll(r.OS), MinOSVersion: r.MinOSVersion, MinAgentVersion: r.MinAgentVersion,
			DiskEncryption: r.DiskEncryption, Firewall: r.Firewall, ScreenLock: r.ScreenLock,
		})
	}
	for i := range b.set.PostureProfiles {
		b.profiles[b.set.PostureProfiles[i].ID] = &b.set.PostureProfiles[i]
	}
}

func (b *builder) checkVersion(o origin, field, v string) {
	if v != "" && !validVersion(v) {
		b.fail(o, field, "invalid version %q; write it like 10.0.19045", v)
	}
}

func lowerAll(list []string) []string {
	if list == nil {
		return nil
	}
	lower := make([]string, len(list))
	for i, s := range list {
		lower[i] = strings.ToLower(s)
	}
	return lower
}

// checkID rejects a missing, invalid or duplicate id. A duplicate names
// where the id was first defined, which may be another file.
func (b *builder) checkID(o origin, id string, seen map[string]origin) {
	switch {
	case id == "":
		b.fail(o, "id", "missing")
		return
	case !protocol.ValidID(id):
		b.fail(o, "id", "invalid id %q; use at most %d characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'", id, protocol.MaxIDLength)
		return
	}
	if first, ok := seen[id]; ok {
		if first.file == o.file {
			b.fail(o, "id", "duplicate id %q; %s already defines it", id, first.field)
		} else {
			b.fail(o, "id", "duplicate id %q; %s already defines it in %s", id, first.field, first.file)
		}
		return
	}
	seen[id] = o
}

func (b *builder) checkTags(o origin, tags []string) {
	for j, tag := range tags {
		if !protocol.ValidID(tag) {
			b.fail(o, fmt.Sprintf("tags[%d]", j), "invalid tag %q; use the characters of an id", tag)
		}
	}
}

func (b *builder) checkText(o origin, field, s string, limit int) {
	switch {
	case len(s) > limit:
		b.fail(o, field, "longer than %d bytes", limit)
	case !utf8.ValidString(s):
		b.fail(o, field, "not valid UTF-8")
	}
}

func (b *builder) checkHosts(o origin, hosts []string) {
	if len(hosts) == 0 || len(hosts) > maxHostsPerApp {
		b.fail(o, "hosts", "must list 1 to %d host patterns", maxHostsPerApp)
	}
	for j, h := range hosts {
		if problem := hostPatternProblem(h); problem != "" {
			b.fail(o, fmt.Sprintf("hosts[%d]", j), "invalid host pattern %q: %s", h, problem)
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
