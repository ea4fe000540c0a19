package policy

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// shape lists the keys a YAML mapping may contain, or with item set, the
// shape of each element of a sequence. A nil shape accepts any value,
// which the decoder or the condition compiler then checks.
type shape struct {
	fields map[string]*shape
	item   *shape
}

func fields(names ...string) *shape {
	s := &shape{fields: make(map[string]*shape, len(names))}
	for _, n := range names {
		s.fields[n] = nil
	}
	return s
}

var (
	appShape     = fields("id", "name", "hosts", "tags", "fail_mode", "sensitive")
	ipRangeShape = fields("id", "name", "cidrs", "tags")
	groupShape   = fields("id", "name", "members", "domains")
	labelShape   = fields("id", "name", "tenant", "protection")
	profileShape = &shape{fields: map[string]*shape{
		"id": nil, "name": nil,
		"requirements": fields("os", "min_os_version", "disk_encryption", "firewall", "screen_lock", "min_agent_version"),
	}}
	policyShape = &shape{fields: map[string]*shape{
		"id": nil, "name": nil, "priority": nil, "state": nil, "severity": nil,
		"apps": nil, "activities": nil, "files": nil, "device": fields("managed"), "when": nil,
		"decision": nil, "message": nil, "fix": nil, "link": nil, "label": nil, "encrypt": nil, "max_age": nil,
	}}
	fileShape = &shape{fields: map[string]*shape{
		"apps":             {item: appShape},
		"ip_ranges":        {item: ipRangeShape},
		"groups":           {item: groupShape},
		"labels":           {item: labelShape},
		"posture_profiles": {item: profileShape},
		"policies":         {item: policyShape},
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
		field := joinPath(path, key)
		sub, ok := s.fields[key]
		if !ok {
			return &Error{Field: field, Line: n.Content[i].Line, Problem: "unknown field"}
		}
		if err := checkKeys(n.Content[i+1], sub, field); err != nil {
			return err
		}
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
