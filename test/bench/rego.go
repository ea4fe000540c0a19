// Package bench compares Parapet's policy engine with Open Policy Agent on
// the same generated policy sets and actions. It is a separate module so
// that OPA never becomes a dependency of Parapet itself.
package bench

import (
	"fmt"
	"strings"

	"parapet/server/policy"
	"parapet/server/policy/policygen"
)

// Query is the Rego query whose single result is an object with the
// decision and the ids of the matching policies.
const Query = "data.parapet.result"

// Rego returns a Rego module that decides like Parapet on the policies:
// a policy matches when all of its conditions hold, and the most
// restrictive decision of the matching policies wins.
func Rego(policies []policygen.Policy) string {
	var b strings.Builder
	b.WriteString("package parapet\n\nimport rego.v1\n\n")
	b.WriteString("app_hosts := {\n")
	for i := range policygen.AppCount {
		fmt.Fprintf(&b, "\t%q: \"app%d\",\n", policygen.AppHost(i), i)
	}
	b.WriteString("}\n\napp := app_hosts[input.app_host]\n\n")
	b.WriteString(`rank := {"allow": 0, "monitor": 1, "protect": 2, "warn": 3, "step_up": 4, "block": 5}` + "\n\n")
	for _, p := range policies {
		fmt.Fprintf(&b, "matched contains %q if {\n\tapp\n", p.ID)
		if p.App >= 0 {
			fmt.Fprintf(&b, "\tapp == \"app%d\"\n", p.App)
		}
		fmt.Fprintf(&b, "\tinput.activity in %s\n", regoSet(p.Activities))
		if len(p.Extensions) > 0 {
			fmt.Fprintf(&b, "\tinput.file.ext in %s\n", regoSet(p.Extensions))
		}
		if p.Managed != nil {
			fmt.Fprintf(&b, "\tinput.device.managed == %v\n", *p.Managed)
		}
		if p.CIDR != "" {
			fmt.Fprintf(&b, "\tnet.cidr_contains(%q, input.source_ip)\n", p.CIDR)
		}
		if p.Domain != "" {
			fmt.Fprintf(&b, "\tinput.user.domain == %q\n", p.Domain)
		}
		b.WriteString("}\n\n")
	}
	b.WriteString("decisions := {\n")
	for _, p := range policies {
		fmt.Fprintf(&b, "\t%q: %q,\n", p.ID, p.Decision)
	}
	b.WriteString("}\n\n")
	b.WriteString(`top := max({rank[decisions[id]] | some id in matched})

default decision := "allow"

decision := d if {
	some d, r in rank
	r == top
}

result := {"decision": decision, "matched": matched}
`)
	return b.String()
}

func regoSet[T ~string](list []T) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = fmt.Sprintf("%q", string(s))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// RegoInput returns the OPA input for in. The file extension and the
// email domain are split here, which spares the Rego policy that work, and
// so favors OPA in the comparison.
func RegoInput(in *policy.Input) map[string]any {
	m := map[string]any{
		"app_host":  in.Request.AppHost,
		"activity":  string(in.Request.Activity),
		"device":    map[string]any{"managed": in.Device.Managed},
		"source_ip": in.SourceIP.String(),
	}
	if _, domain, ok := strings.Cut(in.User.Email, "@"); ok {
		m["user"] = map[string]any{"domain": strings.ToLower(domain)}
	}
	if f := in.Request.File; f != nil {
		name := strings.ToLower(f.Name)
		file := map[string]any{"name": name}
		if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
			file["ext"] = name[dot+1:]
		}
		m["file"] = file
	}
	return m
}
