package offline

import (
	"fmt"
	"slices"
	"strconv"

	"parapet/protocol"
	"parapet/server/bundle"
	"parapet/server/policy"

	"go.yaml.in/yaml/v3"
)

// Policies that need facts only the server has are not evaluated offline.
// The agent lacks those facts, so evaluating such a policy without them
// could allow what the server would block, or the reverse:
//
//   - network: the source address of the agent's link at the server;
//   - session: the user's Parapet sign-in session;
//   - user.ids and user.guest: the directory's user record;
//   - device.managed and device.tags: the server's device record;
//   - decision step_up: the server's step-up page;
//   - decision protect with encryption: the recipients the server holds.
//
// Instead, an action that such a policy could decide more strictly than
// the evaluated policies gets the app's fail mode (see Set.Decide).

// skipped is an enforced policy that is not evaluated offline.
type skipped struct {
	id string
	// apps, activities and files are the policy's shorthand scope; empty
	// means any. NOTE: conditions under when that narrow the scope are not
	// considered, so a skipped policy may count as in scope for actions
	// it could never match, which makes the fail mode apply more often.
	apps       []string
	activities []protocol.Activity
	files      []string
	decision   protocol.Decision
	why        string
}

// Set is a verified bundle prepared for offline decisions.
type Set struct {
	// Revision is the bundle's policy revision.
	Revision int64
	// full is the whole policy set, for the apps and their fail modes.
	full *policy.Set
	// local holds only the policies the agent can evaluate.
	local   *policy.Set
	skipped []skipped
}

// Skipped returns the ids of the enforced policies that are not evaluated
// offline, each with the reason.
func (s *Set) Skipped() map[string]string {
	out := make(map[string]string, len(s.skipped))
	for _, p := range s.skipped {
		out[p.id] = p.why
	}
	return out
}

// prepare parses the bundle's YAML, finds the policies that need server
// facts and builds the set of the others.
func prepare(b *bundle.Bundle) (*Set, error) {
	full, err := b.PolicySet()
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(b.Policies), &root); err != nil {
		return nil, fmt.Errorf("parsing bundle policies: %w", err)
	}

	items := policyItems(&root)
	drop := map[string]string{}
	for _, item := range items {
		id := scalarValue(item, "id")
		if why := serverCondition(valueOf(item, "when")); why != "" {
			drop[id] = why
		}
	}

	s := &Set{Revision: b.Revision, full: full}
	for i := range full.Policies {
		p := &full.Policies[i]
		why := drop[p.ID]
		if why == "" {
			why = serverDecision(full, p)
		}
		if why == "" {
			continue
		}
		drop[p.ID] = why
		if p.State == policy.StateEnabled {
			s.skipped = append(s.skipped, skipped{id: p.ID, apps: p.Apps, activities: p.Activities,
				files: p.Files, decision: p.Decision, why: why})
		}
	}

	s.local, err = localSet(&root, drop, b.Revision)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// serverDecision returns why p's decision or shorthand needs the server,
// or "".
func serverDecision(set *policy.Set, p *policy.Policy) string {
	switch {
	case p.Managed != nil:
		return "its device.managed condition needs the server's device record"
	case p.Decision == protocol.DecisionStepUp:
		return "step_up needs the server's step-up page"
	case p.Decision == protocol.DecisionProtect && encrypts(set, p.Params):
		return "encryption needs the recipients the server holds"
	}
	return ""
}

// encrypts reports whether a protect decision with params encrypts, by
// its encrypt parameter or, without one, by its label's protection.
func encrypts(set *policy.Set, params policy.Params) bool {
	if params.Encrypt != "" {
		return params.Encrypt != policy.EncryptNone
	}
	for _, l := range set.Labels {
		if l.ID == params.Label {
			return l.Protection != policy.ProtectionNone && l.Protection != ""
		}
	}
	return false
}

// serverCondition returns why the condition n needs the server, or "".
func serverCondition(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, child := range n.Content {
			if why := serverCondition(child); why != "" {
				return why
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			if why := serverKey(key, value); why != "" {
				return why
			}
		}
	}
	return ""
}

func serverKey(key string, value *yaml.Node) string {
	switch key {
	case "all", "any", "not":
		return serverCondition(value)
	case "network":
		return "its network condition needs the source address the server sees"
	case "session":
		return "its session condition needs the user's Parapet session"
	case "user":
		if hasKey(value, "ids") || hasKey(value, "guest") {
			return "its user.ids or user.guest condition needs the server's user record"
		}
	case "device":
		if hasKey(value, "managed") || hasKey(value, "tags") {
			return "its device.managed or device.tags condition needs the server's device record"
		}
	}
	return ""
}

// localSet removes the policies named in drop from the document and
// parses the rest.
func localSet(root *yaml.Node, drop map[string]string, revision int64) (*policy.Set, error) {
	seq := valueOf(documentMapping(root), "policies")
	if seq != nil && seq.Kind == yaml.SequenceNode {
		seq.Content = slices.DeleteFunc(seq.Content, func(item *yaml.Node) bool {
			_, ok := drop[scalarValue(item, "id")]
			return ok
		})
	}
	data, err := yaml.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("encoding offline policies: %w", err)
	}
	set, err := policy.Parse("offline policies of revision "+strconv.FormatInt(revision, 10), data)
	if err != nil {
		return nil, fmt.Errorf("parsing offline policies: %w", err)
	}
	return set, nil
}

func policyItems(root *yaml.Node) []*yaml.Node {
	seq := valueOf(documentMapping(root), "policies")
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	return seq.Content
}

func documentMapping(root *yaml.Node) *yaml.Node {
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		return root.Content[0]
	}
	return root
}

// valueOf returns the value of key in the mapping n, or nil.
func valueOf(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func hasKey(n *yaml.Node, key string) bool { return valueOf(n, key) != nil }

func scalarValue(n *yaml.Node, key string) string {
	if v := valueOf(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
