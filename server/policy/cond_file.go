package policy

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"parapet/protocol"
)

var fileConditionShape = fields("names", "extensions", "size", "mime_types", "label", "detectors", "inspection")

func (c *compiler) compileFile(p string, key, value *yaml.Node) {
	switch key.Value {
	case "names":
		if list, ok := c.decodeStrings(p, value); ok {
			c.compileFileNames(p, value, list)
		}
	case "extensions":
		list, ok := c.decodeStrings(p, value)
		if !ok {
			return
		}
		for i, ext := range list {
			list[i] = strings.ToLower(strings.TrimPrefix(ext, "."))
		}
		c.leaf(node{op: opFileExtensions, path: p, strs: list,
			yes: "file extension is " + describeList(list), no: "file extension is not " + describeList(list)})
	case "size":
		c.compileFileSize(p, value)
	case "mime_types":
		list, ok := c.decodeStrings(p, value)
		if !ok {
			return
		}
		list = lowerAll(list)
		for j, m := range list {
			if typ, sub, ok := strings.Cut(m, "/"); !ok || typ == "" || typ == "*" || sub == "" || (strings.Contains(sub, "*") && sub != "*") {
				c.fail(fieldIndex(p, j), value, "invalid media type %q; write it like application/pdf or image/*", m)
			}
		}
		c.leaf(node{op: opFileMIME, path: p, strs: list,
			yes: "file type is " + describeList(list), no: "file type is not " + describeList(list)})
	case "label":
		c.compileFileLabel(p, value)
	case "detectors":
		list, ok := c.decodeStrings(p, value)
		if !ok {
			return
		}
		c.leaf(node{op: opFileDetectors, path: p, strs: list,
			yes: "content matched detector " + describeList(list), no: "content matched no detector of " + strings.Join(list, ", ")})
	case "inspection":
		c.compileFileInspection(p, value)
	}
}

// compileFileInspection compiles `inspection: [results]`, which matches the
// agent's content inspection result of an upload: complete, oversized,
// failed (the content could not be read, as for an archive), or none when
// nothing was inspected.
func (c *compiler) compileFileInspection(p string, value *yaml.Node) {
	list, ok := c.decodeStrings(p, value)
	if !ok {
		return
	}
	list = lowerAll(list)
	for j, result := range list {
		switch result {
		case protocol.InspectionComplete, protocol.InspectionOversized, protocol.InspectionFailed, "none":
		default:
			c.fail(fieldIndex(p, j), value, "unknown inspection result %q; use complete, oversized, failed or none", result)
		}
	}
	c.leaf(node{op: opFileInspection, path: p, strs: list,
		yes: "content inspection is " + describeList(list), no: "content inspection is not " + describeList(list)})
}

// compileFileNames compiles case-insensitive glob patterns (path.Match
// syntax) on the file's base name.
func (c *compiler) compileFileNames(p string, value *yaml.Node, patterns []string) {
	lower := make([]string, len(patterns))
	for j, pattern := range patterns {
		field := fieldIndex(p, j)
		switch _, err := path.Match(pattern, ""); {
		case pattern == "":
			c.fail(field, value, "empty pattern")
		case strings.ContainsAny(pattern, `/\`):
			c.fail(field, value, "pattern %q contains a folder separator, but patterns match base names only", pattern)
		case err != nil:
			c.fail(field, value, "invalid glob pattern %q: %v", pattern, err)
		}
		lower[j] = strings.ToLower(pattern)
	}
	c.leaf(node{op: opFileNames, path: p, strs: lower,
		yes: "file name matches " + describeList(quoteAll(patterns)), no: "file name does not match " + describeList(quoteAll(patterns))})
}

func quoteAll(list []string) []string {
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return quoted
}

func (c *compiler) compileFileSize(p string, value *yaml.Node) {
	var size struct {
		Min *int64 `yaml:"min"`
		Max *int64 `yaml:"max"`
	}
	if err := value.Decode(&size); err != nil || checkKeys(value, fields("min", "max"), "") != nil || (size.Min == nil && size.Max == nil) {
		c.fail(p, value, "must be {min: BYTES, max: BYTES} with at least one of them")
		return
	}
	n := node{op: opFileSize, path: p, lo: 0, hi: 1<<63 - 1}
	if size.Min != nil {
		n.lo = *size.Min
	}
	if size.Max != nil {
		n.hi = *size.Max
	}
	if n.lo < 0 || n.hi < n.lo {
		c.fail(p, value, "invalid size range: min must be at least 0 and max at least min")
	}
	switch {
	case size.Max == nil:
		n.yes, n.no = fmt.Sprintf("file size is at least %d bytes", n.lo), fmt.Sprintf("file size is below %d bytes or not known", n.lo)
	case size.Min == nil:
		n.yes, n.no = fmt.Sprintf("file size is at most %d bytes", n.hi), fmt.Sprintf("file size is above %d bytes or not known", n.hi)
	default:
		n.yes, n.no = fmt.Sprintf("file size is %d to %d bytes", n.lo, n.hi), fmt.Sprintf("file size is outside %d to %d bytes or not known", n.lo, n.hi)
	}
	c.leaf(n)
}

// compileFileLabel compiles `label: {present: bool}` or `label: {in: [ids]}`.
func (c *compiler) compileFileLabel(p string, value *yaml.Node) {
	var label struct {
		Present *bool    `yaml:"present"`
		In      []string `yaml:"in"`
	}
	if err := value.Decode(&label); err != nil || checkKeys(value, fields("present", "in"), "") != nil ||
		(label.Present == nil) == (len(label.In) == 0) {
		c.fail(p, value, "must be {present: true|false} or {in: [label ids]}")
		return
	}
	if label.Present != nil {
		// With labels defined, only a label of one of their tenants counts,
		// so a file labeled by another organization is still unlabeled here.
		n := node{op: opFileLabelPresent, path: p + ".present", flag: *label.Present, strs: c.b.labelTenants(),
			yes: "file has a sensitivity label", no: "file has no sensitivity label"}
		if !n.flag {
			n.yes, n.no = n.no, n.yes
		}
		c.leaf(n)
		return
	}
	ids := make([]string, 0, len(label.In))
	names := make([]string, 0, len(label.In))
	for j, id := range label.In {
		l, ok := c.b.labels[strings.ToLower(id)]
		if !ok {
			c.fail(fieldIndex(p+".in", j), value, "unknown label %q; define it under labels", id)
			continue
		}
		ids = append(ids, strings.ToLower(l.ID)+"|"+strings.ToLower(l.Tenant))
		names = append(names, labelName(l))
	}
	c.leaf(node{op: opFileLabelIn, path: p + ".in", strs: ids,
		yes: "file label is " + describeList(names), no: "file label is not " + describeList(names)})
}

// labelTenants returns the tenants of the set's labels, in lower case.
func (b *builder) labelTenants() []string {
	var tenants []string
	for _, l := range b.labels {
		if t := strings.ToLower(l.Tenant); t != "" && !containsString(tenants, t) {
			tenants = append(tenants, t)
		}
	}
	return tenants
}

func labelName(l *Label) string {
	if l.Name == "" {
		return l.ID
	}
	return l.Name
}

func (n *node) testFile(f *facts) bool {
	if f.file == nil {
		return false
	}
	switch n.op {
	case opFileNames:
		for _, pattern := range n.strs {
			if ok, _ := path.Match(pattern, f.fileName); ok {
				return true
			}
		}
	case opFileExtensions:
		return f.ext != "" && containsString(n.strs, f.ext)
	case opFileSize:
		size := f.file.Size
		return size >= 0 && size >= n.lo && size <= n.hi
	case opFileMIME:
		return matchMIME(n.strs, f.mime)
	case opFileLabelPresent:
		present := f.label != "" && (len(n.strs) == 0 || containsString(n.strs, f.tenant))
		return present == n.flag
	case opFileLabelIn:
		// Each entry is "id|tenant"; a label object without a tenant
		// matches its id from any tenant.
		return f.label != "" && (containsString(n.strs, f.label+"|"+f.tenant) || containsString(n.strs, f.label+"|"))
	case opFileInspection:
		result := f.file.Inspection
		if result == "" {
			result = "none"
		}
		return containsString(n.strs, result)
	case opFileDetectors:
		for _, d := range f.in.File.Detectors {
			if containsString(n.strs, d) {
				return true
			}
		}
	}
	return false
}

// matchMIME reports whether mime matches a pattern such as "application/pdf"
// or "image/*".
func matchMIME(patterns []string, mime string) bool {
	if mime == "" {
		return false
	}
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "/*"); ok {
			if len(mime) > len(prefix) && mime[len(prefix)] == '/' && strings.HasPrefix(mime, prefix) {
				return true
			}
		} else if p == mime {
			return true
		}
	}
	return false
}
