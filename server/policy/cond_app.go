package policy

import (
	"go.yaml.in/yaml/v3"
)

var appConditionShape = fields("ids", "tags")

func (c *compiler) compileApp(path string, key, value *yaml.Node) {
	list, ok := c.decodeStrings(path, value)
	if !ok {
		return
	}
	switch key.Value {
	case "ids":
		c.compileAppIDs(path, value, list)
	case "tags":
		apps := make([]bool, len(c.b.set.Apps))
		for i, app := range c.b.set.Apps {
			for _, tag := range list {
				if containsString(app.Tags, tag) {
					apps[i] = true
				}
			}
		}
		c.leaf(node{op: opApp, path: path, apps: apps,
			yes: "app is tagged " + describeList(list), no: "app is not tagged " + describeList(list)})
	}
}

// compileAppIDs compiles a list of app ids into a table indexed by the
// app's position in the set.
func (c *compiler) compileAppIDs(path string, value *yaml.Node, ids []string) {
	apps := make([]bool, len(c.b.set.Apps))
	for j, id := range ids {
		i, ok := c.b.appIDs[id]
		if !ok {
			c.fail(fieldIndex(path, j), value, "unknown app %q; define it under apps", id)
			continue
		}
		apps[i] = true
	}
	c.leaf(node{op: opApp, path: path, apps: apps,
		yes: "app is " + describeList(ids), no: "app is not " + describeList(ids)})
}
