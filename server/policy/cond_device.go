package policy

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

var deviceShape = fields("enrolled", "managed", "compliant", "posture", "tags")

// Posture fact names that posture profiles check.
const (
	FactOS             = "os"
	FactOSVersion      = "os_version"
	FactAgentVersion   = "agent_version"
	FactDiskEncryption = "disk_encryption"
	FactFirewall       = "firewall"
	FactScreenLock     = "screen_lock"
)

func (c *compiler) compileDevice(path string, key, value *yaml.Node) {
	switch key.Value {
	case "enrolled", "managed":
		v, ok := c.decodeBool(path, value)
		if !ok {
			return
		}
		o := opDeviceEnrolled
		if key.Value == "managed" {
			o = opDeviceManaged
		}
		c.compileDeviceBool(path, o, key.Value, v)
	case "compliant":
		var id string
		if err := value.Decode(&id); err != nil || id == "" {
			c.fail(path, value, "must be the id of a posture profile")
			return
		}
		profile, ok := c.b.profiles[id]
		if !ok {
			c.fail(path, value, "unknown posture profile %q; define it under posture_profiles", id)
			return
		}
		c.leaf(node{op: opDeviceCompliant, path: path, profile: profile,
			yes: "device meets posture profile " + id, no: "device does not meet posture profile " + id})
	case "posture":
		c.compilePosture(path, value)
	case "tags":
		list, ok := c.decodeStrings(path, value)
		if !ok {
			return
		}
		c.leaf(node{op: opDeviceTags, path: path, strs: list,
			yes: "device is tagged " + describeList(list), no: "device is not tagged " + describeList(list)})
	}
}

func (c *compiler) compileDeviceBool(path string, o op, name string, v bool) {
	n := node{op: o, path: path, flag: v, yes: "device is " + name, no: "device is not " + name}
	if !v {
		n.yes, n.no = n.no, n.yes
	}
	c.leaf(n)
}

// compilePosture compiles `posture: {fact: value, fact: {min: version}}`
// into one node per fact, all of which must match.
func (c *compiler) compilePosture(path string, value *yaml.Node) {
	if value.Kind != yaml.MappingNode || len(value.Content) == 0 {
		c.fail(path, value, "must map fact names to a value or to {min: version}")
		return
	}
	all := c.open(node{op: opAll, path: path, yes: "device posture matched"})
	for i := 0; i+1 < len(value.Content); i += 2 {
		fact, v := value.Content[i].Value, value.Content[i+1]
		factPath := joinPath(path, fact)
		switch v.Kind {
		case yaml.ScalarNode:
			want := strings.ToLower(v.Value)
			c.leaf(node{op: opDevicePosture, path: factPath, strs: []string{fact, want},
				yes: fmt.Sprintf("device %s is %q", fact, want), no: fmt.Sprintf("device %s is not %q or not reported", fact, want)})
		case yaml.MappingNode:
			var minimum struct {
				Min string `yaml:"min"`
			}
			if err := v.Decode(&minimum); err != nil || len(v.Content) != 2 || !validVersion(minimum.Min) {
				c.fail(factPath, v, "must be a value or {min: version}, such as {min: 10.0.19045}")
				continue
			}
			c.leaf(node{op: opDevicePostureMin, path: factPath, strs: []string{fact, minimum.Min},
				yes: fmt.Sprintf("device %s is at least %s", fact, minimum.Min), no: fmt.Sprintf("device %s is below %s or not reported", fact, minimum.Min)})
		default:
			c.fail(factPath, v, "must be a value or {min: version}")
		}
	}
	c.close(all)
}

func (n *node) testDevice(f *facts) bool {
	d := &f.in.Device
	switch n.op {
	case opDeviceEnrolled:
		return d.Enrolled == n.flag
	case opDeviceManaged:
		return d.Managed == n.flag
	case opDeviceCompliant:
		return n.profile.satisfiedBy(d.Posture)
	case opDevicePosture:
		got, ok := d.Posture[n.strs[0]]
		return ok && strings.EqualFold(got, n.strs[1])
	case opDevicePostureMin:
		got, ok := d.Posture[n.strs[0]]
		return ok && validVersion(got) && compareVersions(got, n.strs[1]) >= 0
	case opDeviceTags:
		for _, tag := range n.strs {
			if slices.Contains(d.Tags, tag) {
				return true
			}
		}
	}
	return false
}

// satisfiedBy reports whether the posture facts meet every requirement. A
// fact that is missing fails the requirement that needs it.
func (p *PostureProfile) satisfiedBy(posture map[string]string) bool {
	if len(p.OS) > 0 {
		os, ok := posture[FactOS]
		if !ok || !slices.ContainsFunc(p.OS, func(want string) bool { return strings.EqualFold(os, want) }) {
			return false
		}
	}
	if !meetsMinimum(posture, FactOSVersion, p.MinOSVersion) || !meetsMinimum(posture, FactAgentVersion, p.MinAgentVersion) {
		return false
	}
	for _, req := range [...]struct {
		fact     string
		required bool
	}{{FactDiskEncryption, p.DiskEncryption}, {FactFirewall, p.Firewall}, {FactScreenLock, p.ScreenLock}} {
		if req.required && !strings.EqualFold(posture[req.fact], "true") {
			return false
		}
	}
	return true
}

func meetsMinimum(posture map[string]string, fact, minimum string) bool {
	if minimum == "" {
		return true
	}
	got, ok := posture[fact]
	return ok && validVersion(got) && compareVersions(got, minimum) >= 0
}
