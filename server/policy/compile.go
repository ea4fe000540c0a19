package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// op is what a node of a compiled condition does: combine its children
// or test one field of the action.
type op uint8

const (
	opAll op = iota + 1
	opAny
	opNot
	opApp
	opActivity
	opUserIDs
	opUserEmails
	opUserDomains
	opUserGroups
	opUserGuest
	opDeviceEnrolled
	opDeviceManaged
	opDeviceCompliant
	opDevicePosture
	opDevicePostureMin
	opDeviceTags
	opNetwork
	opFileNames
	opFileExtensions
	opFileSize
	opFileMIME
	opFileLabelPresent
	opFileLabelIn
	opFileDetectors
	opFileInspection
	opTime
	opSessionSignedIn
	opSessionIPChanged
)

// node is one element of a compiled condition. The nodes of a policy are
// stored in pre-order in one slice: a combinator's children follow it, and
// end is the index just past its subtree. This keeps evaluation a loop
// over one slice that never allocates.
type node struct {
	op   op
	end  int32
	path string
	// yes and no describe the node's outcome when it matches and when it
	// does not, for traces and reasons.
	yes, no string

	flag     bool
	mask     uint32
	lo, hi   int64
	strs     []string
	apps     []bool
	prefixes []netip.Prefix
	groups   []*Group
	profile  *PostureProfile
	loc      *time.Location
}

// program is a policy's compiled condition; nodes[0] is the root.
type program struct {
	nodes []node
}

// eval returns whether node i matches and the index of the node that
// decided it: the first failing child of an all, the first matching
// child of an any, or the node itself otherwise.
func (p *program) eval(i int32, f *facts) (bool, int32) {
	n := &p.nodes[i]
	switch n.op {
	case opAll:
		if i+1 < n.end && p.nodes[i+1].end == n.end {
			// With a single child, the child decides.
			return p.eval(i+1, f)
		}
		for j := i + 1; j < n.end; j = p.nodes[j].end {
			if ok, d := p.eval(j, f); !ok {
				return false, d
			}
		}
		return true, i
	case opAny:
		for j := i + 1; j < n.end; j = p.nodes[j].end {
			if ok, d := p.eval(j, f); ok {
				return true, d
			}
		}
		return false, i
	case opNot:
		ok, d := p.eval(i+1, f)
		return !ok, d
	}
	return n.test(f), i
}

// test evaluates a leaf node.
func (n *node) test(f *facts) bool {
	switch n.op {
	case opApp:
		return f.app >= 0 && f.app < len(n.apps) && n.apps[f.app]
	case opActivity:
		return n.mask&(1<<f.activity) != 0
	case opUserIDs, opUserEmails, opUserDomains, opUserGroups, opUserGuest:
		return n.testUser(f)
	case opDeviceEnrolled, opDeviceManaged, opDeviceCompliant, opDevicePosture, opDevicePostureMin, opDeviceTags:
		return n.testDevice(f)
	case opNetwork:
		return n.testNetwork(f)
	case opFileNames, opFileExtensions, opFileSize, opFileMIME, opFileLabelPresent, opFileLabelIn, opFileDetectors, opFileInspection:
		return n.testFile(f)
	case opTime:
		return n.testTime(f)
	case opSessionSignedIn, opSessionIPChanged:
		return n.testSession(f)
	}
	return false
}

// compiler turns one policy's conditions into a program and reports
// problems through its builder, at the policy's origin.
type compiler struct {
	b     *builder
	o     origin
	nodes []node
}

// open appends a node and returns its index; close sets its end once its
// children are appended.
func (c *compiler) open(n node) int {
	c.nodes = append(c.nodes, n)
	return len(c.nodes) - 1
}

func (c *compiler) close(i int) { c.nodes[i].end = int32(len(c.nodes)) }

func (c *compiler) leaf(n node) {
	c.close(c.open(n))
}

func (c *compiler) fail(path string, n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	c.b.failLine(c.o, path, line, format, args...)
}

// compilePolicy returns the program for the shorthand fields and when,
// all of which must match.
func (c *compiler) compilePolicy(doc *policyDoc) program {
	root := c.open(node{op: opAll})
	if len(doc.Apps) > 0 {
		c.compileAppIDs("apps", nil, doc.Apps)
	}
	if len(doc.Activities) > 0 {
		c.compileActivities("activities", nil, doc.Activities)
	}
	if len(doc.Files) > 0 {
		c.compileFileNames("files", nil, doc.Files)
	}
	if doc.Device != nil && doc.Device.Managed != nil {
		c.compileDeviceBool("device.managed", opDeviceManaged, "managed", *doc.Device.Managed)
	}
	if doc.When.Kind != 0 {
		c.compileCondition("when", &doc.When)
	}
	c.close(root)
	count := 0
	for j := int32(1); j < c.nodes[root].end; j = c.nodes[j].end {
		count++
	}
	switch count {
	case 0:
		c.nodes[root].yes = "the policy has no conditions"
	default:
		c.nodes[root].yes = "all " + strconv.Itoa(count) + " conditions matched"
	}
	return program{nodes: c.nodes}
}

// compileCondition compiles a condition mapping. A mapping with several
// keys matches when all of them match.
func (c *compiler) compileCondition(path string, n *yaml.Node) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.fail(path, n, "must be a mapping with one of all, any, not, user, device, network, app, activity, file or time")
		c.leaf(node{op: opAll})
		return
	}
	if len(n.Content) == 2 {
		c.compileKey(path, n.Content[0], n.Content[1])
		return
	}
	all := c.open(node{op: opAll, path: path, yes: "all conditions matched"})
	for i := 0; i+1 < len(n.Content); i += 2 {
		c.compileKey(path, n.Content[i], n.Content[i+1])
	}
	c.close(all)
}

func (c *compiler) compileKey(parent string, key, value *yaml.Node) {
	path := joinPath(parent, key.Value)
	switch key.Value {
	case "all", "any":
		c.compileList(path, key.Value, value)
	case "not":
		not := c.open(node{op: opNot, path: path})
		c.compileCondition(path, value)
		c.close(not)
	case "activity":
		var list []string
		if err := value.Decode(&list); err != nil || len(list) == 0 {
			c.fail(path, value, "must be a list of activities, such as [download, upload]")
			return
		}
		c.compileActivities(path, value, list)
	case "user":
		c.compileLeaf(path, value, userShape, c.compileUser)
	case "device":
		c.compileLeaf(path, value, deviceShape, c.compileDevice)
	case "network":
		c.compileLeaf(path, value, networkShape, c.compileNetwork)
	case "app":
		c.compileLeaf(path, value, appConditionShape, c.compileApp)
	case "file":
		c.compileLeaf(path, value, fileConditionShape, c.compileFile)
	case "time":
		c.compileTime(path, value)
	case "session":
		c.compileLeaf(path, value, sessionShape, c.compileSession)
	default:
		c.fail(path, key, "unknown condition %q; use all, any, not, user, session, device, network, app, activity, file or time", key.Value)
	}
}

func (c *compiler) compileList(path, kind string, value *yaml.Node) {
	if value.Kind != yaml.SequenceNode || len(value.Content) == 0 {
		c.fail(path, value, "must be a non-empty list of conditions")
		return
	}
	o, text := opAll, "all "+strconv.Itoa(len(value.Content))+" conditions matched"
	if kind == "any" {
		o, text = opAny, "none of the "+strconv.Itoa(len(value.Content))+" conditions matched"
	}
	n := node{op: o, path: path}
	if o == opAll {
		n.yes = text
	} else {
		n.no = text
	}
	i := c.open(n)
	for j, child := range value.Content {
		c.compileCondition(fmt.Sprintf("%s[%d]", path, j), child)
	}
	c.close(i)
}

// compileLeaf checks a leaf condition's keys and compiles each of its
// fields into its own node, so a trace can name the field that decided.
// A leaf with several fields matches when all of them match.
func (c *compiler) compileLeaf(path string, value *yaml.Node, s *shape, compile func(path string, key, value *yaml.Node)) {
	if value.Kind != yaml.MappingNode || len(value.Content) == 0 {
		c.fail(path, value, "must be a mapping of fields")
		return
	}
	if err := checkKeys(value, s, ""); err != nil {
		c.fail(joinPath(path, err.Field), value, "unknown field")
		return
	}
	if len(value.Content) == 2 {
		compile(joinPath(path, value.Content[0].Value), value.Content[0], value.Content[1])
		return
	}
	all := c.open(node{op: opAll, path: path, yes: "all fields of " + path + " matched"})
	for i := 0; i+1 < len(value.Content); i += 2 {
		compile(joinPath(path, value.Content[i].Value), value.Content[i], value.Content[i+1])
	}
	c.close(all)
}

// decodeStrings decodes a non-empty list of strings, or reports the field.
func (c *compiler) decodeStrings(path string, value *yaml.Node) ([]string, bool) {
	var list []string
	if err := value.Decode(&list); err != nil || len(list) == 0 {
		c.fail(path, value, "must be a non-empty list of strings")
		return nil, false
	}
	for _, s := range list {
		if s == "" {
			c.fail(path, value, "contains an empty string")
			return nil, false
		}
	}
	return list, true
}

func (c *compiler) decodeBool(path string, value *yaml.Node) (bool, bool) {
	var v bool
	if err := value.Decode(&v); err != nil {
		c.fail(path, value, "must be true or false")
		return false, false
	}
	return v, true
}

// describeList writes up to five items of list, so that reasons stay
// short for long lists.
func describeList(list []string) string {
	const shown = 5
	if len(list) == 1 {
		return list[0]
	}
	if len(list) <= shown {
		return "one of " + strings.Join(list, ", ")
	}
	return "one of " + strings.Join(list[:shown], ", ") + " and " + strconv.Itoa(len(list)-shown) + " more"
}
