package policy

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// shape lists the keys a YAML mapping may contain, or with item set, the
// shape of each element of a sequence. A nil shape accepts any scalar.
type shape struct {
	fields map[string]*shape
	item   *shape
}

var (
	appShape = &shape{fields: map[string]*shape{
		"id": nil, "name": nil, "hosts": nil, "sensitive": nil,
	}}
	deviceShape = &shape{fields: map[string]*shape{"managed": nil}}
	policyShape = &shape{fields: map[string]*shape{
		"id": nil, "name": nil, "apps": nil, "activities": nil, "files": nil,
		"device": deviceShape, "decision": nil, "message": nil,
	}}
	fileShape = &shape{fields: map[string]*shape{
		"apps":     {item: appShape},
		"policies": {item: policyShape},
	}}
)

// checkKeys returns an *Error without File for the first key that s does
// not allow. Nodes of the wrong kind are left for the decoder to report.
func checkKeys(n *yaml.Node, s *shape, path string) *Error {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if s == nil {
		return nil
	}
	if s.item != nil && n.Kind == yaml.SequenceNode {
		for i, child := range n.Content {
			if err := checkKeys(child, s.item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if s.fields == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i].Value
		field := key
		if path != "" {
			field = path + "." + key
		}
		sub, ok := s.fields[key]
		if !ok {
			return &Error{Field: field, Problem: fmt.Sprintf("unknown field (line %d)", n.Content[i].Line)}
		}
		if err := checkKeys(n.Content[i+1], sub, field); err != nil {
			return err
		}
	}
	return nil
}
