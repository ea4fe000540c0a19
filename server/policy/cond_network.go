package policy

import (
	"net/netip"

	"go.yaml.in/yaml/v3"
)

var networkShape = fields("ranges", "tags", "cidrs")

// compileNetwork compiles each field into the list of prefixes it stands
// for: the named ip_ranges, the ranges with any of the tags, or the CIDRs.
func (c *compiler) compileNetwork(path string, key, value *yaml.Node) {
	list, ok := c.decodeStrings(path, value)
	if !ok {
		return
	}
	var prefixes []netip.Prefix
	var what string
	switch key.Value {
	case "ranges":
		for j, id := range list {
			r, ok := c.b.ipRanges[id]
			if !ok {
				c.fail(fieldIndex(path, j), value, "unknown IP range %q; define it under ip_ranges", id)
				continue
			}
			prefixes = append(prefixes, r.Prefixes...)
		}
		what = "in " + describeList(list)
	case "tags":
		for _, r := range c.b.set.IPRanges {
			for _, tag := range list {
				if containsString(r.Tags, tag) {
					prefixes = append(prefixes, r.Prefixes...)
					break
				}
			}
		}
		what = "in a range tagged " + describeList(list)
	case "cidrs":
		prefixes = c.b.parsePrefixes(c.o, path, list)
		what = "in " + describeList(list)
	}
	c.leaf(node{op: opNetwork, path: path, prefixes: prefixes,
		yes: "source IP is " + what, no: "source IP is not " + what + " or not known"})
}

func (n *node) testNetwork(f *facts) bool {
	if !f.ip.IsValid() {
		return false
	}
	for _, p := range n.prefixes {
		if p.Contains(f.ip) {
			return true
		}
	}
	return false
}
