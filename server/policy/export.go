package policy

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// Export returns the set as one canonical YAML policy file: the sections
// in a fixed order, each object's keys in a fixed order, defaults left
// out and block style throughout except for short lists. Objects keep the
// order of their files, merged in name order, and comments are dropped.
// Parsing the output gives a set with the same decisions.
func Export(s *Set) ([]byte, error) {
	doc := *s.doc
	doc.Policies = make([]policyDoc, len(s.doc.Policies))
	for i, p := range s.doc.Policies {
		if p.When.Kind != 0 {
			p.When = *canonicalNode(&p.When)
		}
		doc.Policies[i] = p
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("encoding policies: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding policies: %w", err)
	}
	return buf.Bytes(), nil
}

// canonicalNode returns a copy of n without styles or comments, so that
// conditions written in flow style export like the rest of the file.
// Sequences of scalars stay in flow style.
func canonicalNode(n *yaml.Node) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value}
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		c.Style = yaml.DoubleQuotedStyle
	}
	scalars := n.Kind == yaml.SequenceNode
	for _, child := range n.Content {
		c.Content = append(c.Content, canonicalNode(child))
		scalars = scalars && child.Kind == yaml.ScalarNode
	}
	if scalars {
		c.Style = yaml.FlowStyle
	}
	return c
}
