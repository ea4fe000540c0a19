// Package policygen generates synthetic policy sets and actions, so that
// benchmarks of Parapet's engine and of other engines evaluate the same
// rules on the same inputs.
package policygen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/policy"
)

// AppCount is the number of apps in every generated set; app i has the
// host AppHost(i).
const AppCount = 10

// AppHost returns the host of app i.
func AppHost(i int) string { return fmt.Sprintf("app%d.corp.test", i) }

// Policy is one generated policy. Empty fields set no condition.
type Policy struct {
	ID       string
	Decision protocol.Decision
	Priority int
	// App is an app index, or -1 for any app.
	App        int
	Activities []protocol.Activity
	// Extensions are lower-case file extensions without the dot.
	Extensions []string
	// Managed, when set, is the required managed state of the device.
	Managed *bool
	CIDR    string
	// Domain is the required email domain of the user.
	Domain string
}

// Generated is a policy set in YAML with the policies it was made from and
// actions to decide.
type Generated struct {
	Policies []Policy
	YAML     []byte
	Inputs   []*policy.Input
}

var (
	extensions = []string{"docx", "xlsx", "pdf", "csv", "zip", "png", "txt", "pptx"}
	activities = []protocol.Activity{protocol.ActivityDownload, protocol.ActivityUpload, protocol.ActivityCopy,
		protocol.ActivityCut, protocol.ActivityPaste, protocol.ActivityPrint, protocol.ActivitySignIn, protocol.ActivityNavigate}
	decisions = []protocol.Decision{protocol.DecisionBlock, protocol.DecisionWarn, protocol.DecisionMonitor,
		protocol.DecisionMonitor, protocol.DecisionStepUp, protocol.DecisionAllow}
)

// inputCount is how many actions Generate makes.
const inputCount = 256

// Generate returns n policies and inputCount actions made from seed. The
// same n and seed always give the same set and actions.
func Generate(n int, seed uint64) *Generated {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	g := &Generated{}
	for i := range n {
		g.Policies = append(g.Policies, randomPolicy(rng, i))
	}
	g.YAML = renderYAML(g.Policies)
	for range inputCount {
		g.Inputs = append(g.Inputs, randomInput(rng))
	}
	return g
}

func pick[T any](rng *rand.Rand, list []T, count int) []T {
	picked := make([]T, 0, count)
	for _, i := range rng.Perm(len(list))[:count] {
		picked = append(picked, list[i])
	}
	return picked
}

func randomPolicy(rng *rand.Rand, i int) Policy {
	p := Policy{ID: fmt.Sprintf("p%03d", i), Decision: decisions[rng.IntN(len(decisions))], Priority: rng.IntN(4), App: -1}
	if rng.IntN(10) < 8 {
		p.App = rng.IntN(AppCount)
	}
	p.Activities = pick(rng, activities, 1+rng.IntN(3))
	if rng.IntN(2) == 0 {
		p.Extensions = pick(rng, extensions, 1+rng.IntN(3))
	}
	if rng.IntN(10) < 3 {
		managed := rng.IntN(2) == 0
		p.Managed = &managed
	}
	if rng.IntN(10) < 2 {
		p.CIDR = fmt.Sprintf("10.%d.0.0/16", rng.IntN(8))
	}
	if rng.IntN(10) < 2 {
		p.Domain = fmt.Sprintf("d%d.corp.test", rng.IntN(4))
	}
	return p
}

func renderYAML(policies []Policy) []byte {
	var b strings.Builder
	b.WriteString("apps:\n")
	for i := range AppCount {
		fmt.Fprintf(&b, "  - {id: app%d, hosts: [%q]}\n", i, AppHost(i))
	}
	b.WriteString("policies:\n")
	for _, p := range policies {
		fmt.Fprintf(&b, "  - id: %s\n    decision: %s\n    priority: %d\n", p.ID, p.Decision, p.Priority)
		if p.Decision == protocol.DecisionStepUp {
			b.WriteString("    max_age: 1h\n")
		}
		if p.App >= 0 {
			fmt.Fprintf(&b, "    apps: [app%d]\n", p.App)
		}
		fmt.Fprintf(&b, "    activities: %s\n", flowList(p.Activities))
		var when []string
		if len(p.Extensions) > 0 {
			when = append(when, fmt.Sprintf("{file: {extensions: %s}}", flowList(p.Extensions)))
		}
		if p.Managed != nil {
			when = append(when, fmt.Sprintf("{device: {managed: %v}}", *p.Managed))
		}
		if p.CIDR != "" {
			when = append(when, fmt.Sprintf("{network: {cidrs: [%q]}}", p.CIDR))
		}
		if p.Domain != "" {
			when = append(when, fmt.Sprintf("{user: {domains: [%q]}}", p.Domain))
		}
		if len(when) > 0 {
			fmt.Fprintf(&b, "    when: {all: [%s]}\n", strings.Join(when, ", "))
		}
	}
	return []byte(b.String())
}

func flowList[T ~string](list []T) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = string(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func randomInput(rng *rand.Rand) *policy.Input {
	host := AppHost(rng.IntN(AppCount))
	if rng.IntN(10) == 0 {
		host = "intranet.corp.test"
	}
	activity := activities[rng.IntN(len(activities))]
	req := &protocol.ActionRequest{Activity: activity, AppHost: host, PageURL: "https://" + host + "/", TabID: 1}
	if activity == protocol.ActivityDownload || activity == protocol.ActivityUpload || rng.IntN(4) == 0 {
		req.File = &protocol.FileInfo{Name: fmt.Sprintf("report-%d.%s", rng.IntN(100), extensions[rng.IntN(len(extensions))]), Size: 1 << 20}
	}
	ip := netip.AddrFrom4([4]byte{10, byte(rng.IntN(10)), byte(rng.IntN(256)), byte(1 + rng.IntN(250))})
	return &policy.Input{
		Request:  req,
		User:     policy.User{ID: "u1", Email: fmt.Sprintf("user@d%d.corp.test", rng.IntN(5))},
		Device:   policy.DeviceFacts{ID: "dev-1", Enrolled: true, Managed: rng.IntN(2) == 0},
		SourceIP: ip,
		Time:     time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC),
	}
}
