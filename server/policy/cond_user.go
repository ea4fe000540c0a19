package policy

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

var userShape = fields("ids", "emails", "domains", "groups", "guest")

func (c *compiler) compileUser(path string, key, value *yaml.Node) {
	if key.Value == "guest" {
		guest, ok := c.decodeBool(path, value)
		if !ok {
			return
		}
		n := node{op: opUserGuest, path: path, flag: guest, yes: "user is a guest", no: "user is not a guest"}
		if !guest {
			n.yes, n.no = n.no, n.yes
		}
		c.leaf(n)
		return
	}
	list, ok := c.decodeStrings(path, value)
	if !ok {
		return
	}
	switch key.Value {
	case "ids":
		c.leaf(node{op: opUserIDs, path: path, strs: list,
			yes: "user id is " + describeList(list), no: "user id is not " + describeList(list)})
	case "emails":
		list = lowerAll(list)
		c.leaf(node{op: opUserEmails, path: path, strs: list,
			yes: "user is " + describeList(list), no: "user is not " + describeList(list)})
	case "domains":
		list = c.b.checkDomains(c.o, path, list)
		c.leaf(node{op: opUserDomains, path: path, strs: list,
			yes: "user's email domain is " + describeList(list), no: "user's email domain is not " + describeList(list)})
	case "groups":
		groups := make([]*Group, 0, len(list))
		for j, id := range list {
			g, ok := c.b.groups[id]
			if !ok {
				c.fail(fieldIndex(path, j), value, "unknown group %q; define it under groups", id)
				continue
			}
			groups = append(groups, g)
		}
		c.leaf(node{op: opUserGroups, path: path, groups: groups,
			yes: "user is in group " + describeList(list), no: "user is not in group " + describeList(list)})
	}
}

func (n *node) testUser(f *facts) bool {
	switch n.op {
	case opUserIDs:
		return f.in.User.ID != "" && containsString(n.strs, f.in.User.ID)
	case opUserEmails:
		return f.email != "" && containsString(n.strs, f.email)
	case opUserDomains:
		return f.domain != "" && containsString(n.strs, f.domain)
	case opUserGroups:
		for _, g := range n.groups {
			if g.contains(f) {
				return true
			}
		}
		return false
	case opUserGuest:
		return f.in.User.Guest == n.flag
	}
	return false
}

// contains reports whether the user is a member: listed by email, in one
// of the group's domains, or reported in the group by the directory.
func (g *Group) contains(f *facts) bool {
	if f.email != "" && g.members[f.email] {
		return true
	}
	if f.domain != "" && containsString(g.Domains, f.domain) {
		return true
	}
	for _, id := range f.in.User.Groups {
		if strings.EqualFold(id, g.ID) {
			return true
		}
	}
	return false
}
