package policy

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Change is one object that differs between two sets.
type Change struct {
	// Kind is app, ip_range, group, label, posture_profile or policy.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	// Op is added, removed or changed.
	Op string `json:"op"`
	// Fields lists the changed fields of a changed object.
	Fields []FieldChange `json:"fields,omitempty"`
}

// FieldChange is one changed field, with the old and new values as
// compact YAML; an empty value means the field is not set.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Change operations.
const (
	OpAdded   = "added"
	OpRemoved = "removed"
	OpChanged = "changed"
)

// Diff returns the objects that were added, removed or changed from old to
// new, by kind in file section order, then removed and changed objects in
// old's order, then added ones in new's order. A nil set counts as empty.
func Diff(old, new *Set) []Change {
	var changes []Change
	for _, kind := range diffKinds {
		changes = append(changes, diffObjects(kind.name, kind.objects(old), kind.objects(new))...)
	}
	return changes
}

// object is one object of a set in its document form.
type object struct {
	id  string
	doc any
}

var diffKinds = []struct {
	name    string
	objects func(*Set) []object
}{
	{"app", func(s *Set) []object {
		return objectsOf(s, func(d *fileDoc) []appDoc { return d.Apps }, func(a appDoc) string { return a.ID })
	}},
	{"ip_range", func(s *Set) []object {
		return objectsOf(s, func(d *fileDoc) []ipRangeDoc { return d.IPRanges }, func(r ipRangeDoc) string { return r.ID })
	}},
	{"group", func(s *Set) []object {
		return objectsOf(s, func(d *fileDoc) []groupDoc { return d.Groups }, func(g groupDoc) string { return g.ID })
	}},
	{"label", func(s *Set) []object {
		return objectsOf(s, func(d *fileDoc) []labelDoc { return d.Labels }, func(l labelDoc) string { return strings.ToLower(l.ID) })
	}},
	{"posture_profile", func(s *Set) []object {
		return objectsOf(s, func(d *fileDoc) []profileDoc { return d.PostureProfiles }, func(p profileDoc) string { return p.ID })
	}},
	{"policy", func(s *Set) []object {
		return objectsOf(s, func(d *fileDoc) []policyDoc { return d.Policies }, func(p policyDoc) string { return p.ID })
	}},
}

func objectsOf[T any](s *Set, list func(*fileDoc) []T, id func(T) string) []object {
	if s == nil || s.doc == nil {
		return nil
	}
	docs := list(s.doc)
	objects := make([]object, len(docs))
	for i := range docs {
		objects[i] = object{id: id(docs[i]), doc: &docs[i]}
	}
	return objects
}

func diffObjects(kind string, old, new []object) []Change {
	newByID := make(map[string]object, len(new))
	for _, o := range new {
		newByID[o.id] = o
	}
	oldIDs := make(map[string]bool, len(old))
	var changes []Change
	for _, o := range old {
		oldIDs[o.id] = true
		n, ok := newByID[o.id]
		if !ok {
			changes = append(changes, Change{Kind: kind, ID: o.id, Op: OpRemoved})
			continue
		}
		if fields := diffFields(o.doc, n.doc); len(fields) > 0 {
			changes = append(changes, Change{Kind: kind, ID: o.id, Op: OpChanged, Fields: fields})
		}
	}
	for _, o := range new {
		if !oldIDs[o.id] {
			changes = append(changes, Change{Kind: kind, ID: o.id, Op: OpAdded})
		}
	}
	return changes
}

// diffFields compares two documents field by field, in the key order of
// the document type, with fields only in new last.
func diffFields(old, new any) []FieldChange {
	oldKeys, oldValues := fieldValues(old)
	newKeys, newValues := fieldValues(new)
	var changes []FieldChange
	seen := map[string]bool{}
	for _, k := range append(oldKeys, newKeys...) {
		if seen[k] {
			continue
		}
		seen[k] = true
		if oldValues[k] != newValues[k] {
			changes = append(changes, FieldChange{Field: k, Old: oldValues[k], New: newValues[k]})
		}
	}
	return changes
}

// fieldValues returns the top-level keys of doc's YAML form and each
// value as one line of flow-style YAML.
func fieldValues(doc any) ([]string, map[string]string) {
	var root yaml.Node
	if err := root.Encode(doc); err != nil || root.Kind != yaml.MappingNode {
		return nil, nil
	}
	keys := make([]string, 0, len(root.Content)/2)
	values := make(map[string]string, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		key := root.Content[i].Value
		keys = append(keys, key)
		values[key] = flowText(root.Content[i+1])
	}
	return keys, values
}

func flowText(n *yaml.Node) string {
	c := canonicalNode(n)
	setFlow(c)
	data, err := yaml.Marshal(c)
	if err != nil {
		return n.Value
	}
	return strings.TrimSpace(string(data))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, child := range n.Content {
		setFlow(child)
	}
}
