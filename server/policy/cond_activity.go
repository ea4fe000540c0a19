package policy

import (
	"go.yaml.in/yaml/v3"

	"parapet/protocol"
)

// compileActivities compiles a list of activities into a bit mask over
// the positions in activities.
func (c *compiler) compileActivities(path string, value *yaml.Node, list []string) {
	var mask uint32
	for j, a := range list {
		i := activityIndex(protocol.Activity(a))
		if i == len(activities) {
			c.fail(fieldIndex(path, j), value, "unknown activity %q; use download, upload, copy, cut, paste, print, sign_in or navigate", a)
			continue
		}
		mask |= 1 << i
	}
	c.leaf(node{op: opActivity, path: path, mask: mask,
		yes: "activity is " + describeList(list), no: "activity is not " + describeList(list)})
}
