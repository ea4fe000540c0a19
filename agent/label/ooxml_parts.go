package label

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

const (
	nsRelationships       = "http://schemas.openxmlformats.org/package/2006/relationships"
	contentTypeRels       = "application/vnd.openxmlformats-package.relationships+xml"
	xmlDeclaration        = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	labelInfoDeclaration  = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>`
	fmtidUserDefinedProps = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" // FMTID_UserDefinedProperties
)

// relsEdit adds package relationships to _rels/.rels.
type relsEdit struct {
	data  []byte
	rels  []relationship
	added []relationship
}

func newRelsEdit(data []byte, rels []relationship) *relsEdit {
	return &relsEdit{data: data, rels: rels}
}

// ensure returns the member name that a relationship of relType (or one of
// altTypes) targets, adding a relationship to defaultName when none exists.
func (e *relsEdit) ensure(relType, defaultName string, altTypes ...string) string {
	if _, name := findTarget(e.rels, append([]string{relType}, altTypes...)...); name != "" {
		return name
	}
	r := relationship{ID: e.freeID(), Type: relType, Target: defaultName}
	e.rels = append(e.rels, r)
	e.added = append(e.added, r)
	return defaultName
}

func (e *relsEdit) freeID() string {
	used := map[string]bool{}
	for _, r := range e.rels {
		used[r.ID] = true
	}
	for n := 1; ; n++ {
		if id := "rId" + strconv.Itoa(n); !used[id] {
			return id
		}
	}
}

// result returns the new relationships part and whether it changed.
func (e *relsEdit) result() ([]byte, bool, error) {
	if len(e.added) == 0 {
		return e.data, false, nil
	}
	data := e.data
	if data == nil {
		data = []byte(xmlDeclaration + `<Relationships xmlns="` + nsRelationships + `"></Relationships>`)
	}
	layout, err := scanXML(data)
	if err != nil {
		return nil, false, err
	}
	var insert bytes.Buffer
	for _, r := range e.added {
		fmt.Fprintf(&insert, `<%s Id="%s" Type="%s" Target="%s"/>`,
			layout.qualify("Relationship"), escapeXML(r.ID), escapeXML(r.Type), escapeXML(r.Target))
	}
	return layout.splice(data, nil, insert.Bytes()), true, nil
}

// decodeLabelInfo returns the label elements of a LabelInfo part as written.
func decodeLabelInfo(data []byte) ([]labelInfoLabel, error) {
	if data == nil {
		return nil, nil
	}
	var list labelInfoList
	if err := xml.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	if list.XMLName.Space != nsLabelInfo {
		return nil, fmt.Errorf("root element namespace is %q, want %q", list.XMLName.Space, nsLabelInfo)
	}
	return list.Labels, nil
}

// buildLabelInfo serializes a LabelInfo part that keeps the existing label
// elements of other tenants and adds l. MS-OI29500 3.4.1.5 requires writers
// that share a document to produce byte-identical parts, so the output has
// one fixed form. It has no whitespace between elements, the clbl prefix,
// attributes in the schema order of MS-OFFCRYPTO 2.6.5.4, lowercase GUIDs in
// braces and booleans as 0 or 1.
// NOTE: ext elements of the existing labelList are not carried over.
func buildLabelInfo(existing []labelInfoLabel, l Label) []byte {
	var b strings.Builder
	b.WriteString(labelInfoDeclaration)
	b.WriteString(`<clbl:labelList xmlns:clbl="` + nsLabelInfo + `">`)
	for _, x := range existing {
		if normalizeGUID(x.SiteID) == l.TenantID {
			continue
		}
		writeLabelElement(&b, x)
	}
	writeLabelElement(&b, labelInfoFor(l))
	b.WriteString(`</clbl:labelList>`)
	return []byte(b.String())
}

func labelInfoFor(l Label) labelInfoLabel {
	x := labelInfoLabel{
		ID:      "{" + l.ID + "}",
		Enabled: xsdBool(l.Enabled && !l.Removed),
		Method:  l.Method,
		SiteID:  "{" + l.TenantID + "}",
		Removed: xsdBool(l.Removed),
	}
	if !l.Removed {
		x.ContentBits = strconv.FormatUint(uint64(l.ContentBits), 10)
	}
	return x
}

func xsdBool(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func writeLabelElement(b *strings.Builder, x labelInfoLabel) {
	fmt.Fprintf(b, `<clbl:label id="%s" enabled="%s" method="%s" siteId="%s"`,
		escapeXML(x.ID), escapeXML(x.Enabled), escapeXML(x.Method), escapeXML(x.SiteID))
	if x.ContentBits != "" {
		fmt.Fprintf(b, ` contentBits="%s"`, escapeXML(x.ContentBits))
	}
	fmt.Fprintf(b, ` removed="%s"/>`, escapeXML(x.Removed))
}

// setCustomProps returns a custom properties part in which the MSIP_Label_*
// properties of l's tenant and of l's label GUID are replaced by those of l.
// Other properties stay byte-identical. A removed label leaves no
// properties for its tenant.
func setCustomProps(data []byte, l Label) ([]byte, error) {
	if data == nil {
		data = []byte(xmlDeclaration + `<Properties xmlns="` + nsCustomProps + `" xmlns:vt="` + nsDocPropsVTypes + `"></Properties>`)
	}
	layout, err := scanXML(data)
	if err != nil {
		return nil, err
	}
	if layout.root.Name.Space != nsCustomProps {
		return nil, fmt.Errorf("root element namespace is %q, want %q", layout.root.Name.Space, nsCustomProps)
	}
	set, err := parseCustomProps(data)
	if err != nil {
		return nil, err
	}
	stale := set.guidsOfTenant(l.TenantID)
	stale[l.ID] = true

	var remove []xmlSpan
	maxPID := 1
	for _, c := range layout.children {
		if c.start.Name.Local != "property" {
			continue
		}
		if pid, err := strconv.Atoi(attrValue(c.start, "pid")); err == nil && pid > maxPID {
			maxPID = pid
		}
		if guid, _, ok := parseMSIPKey(attrValue(c.start, "name")); ok && stale[guid] {
			remove = append(remove, c.span)
		}
	}
	var insert []byte
	if !l.Removed {
		insert = customPropElements(layout, l, maxPID+1)
	}
	return layout.splice(data, remove, insert), nil
}

func customPropElements(layout *xmlLayout, l Label, firstPID int) []byte {
	vt, declared := layout.prefixFor(nsDocPropsVTypes)
	valueTag, valueOpen := vt+":lpwstr", vt+":lpwstr"
	if !declared {
		valueTag = "vt:lpwstr"
		valueOpen = `vt:lpwstr xmlns:vt="` + nsDocPropsVTypes + `"`
	}
	var b bytes.Buffer
	for i, kv := range msipKeyValues(l) {
		fmt.Fprintf(&b, `<%s fmtid="%s" pid="%d" name="%s"><%s>%s</%s></%s>`,
			layout.qualify("property"), fmtidUserDefinedProps, firstPID+i, escapeXML(kv[0]),
			valueOpen, escapeXML(kv[1]), valueTag, layout.qualify("property"))
	}
	return b.Bytes()
}

// setOverrides returns [Content_Types].xml with an Override for each part
// name, replacing Overrides whose part name matches case-insensitively, as
// OPC part names do. The bool reports whether anything changed.
func setOverrides(data []byte, overrides map[string]string) ([]byte, bool, error) {
	layout, err := scanXML(data)
	if err != nil {
		return nil, false, err
	}
	satisfied := map[string]bool{}
	var remove []xmlSpan
	for _, c := range layout.children {
		if c.start.Name.Local != "Override" {
			continue
		}
		partName := attrValue(c.start, "PartName")
		for want, contentType := range overrides {
			if !strings.EqualFold(partName, want) {
				continue
			}
			if partName == want && attrValue(c.start, "ContentType") == contentType && !satisfied[want] {
				satisfied[want] = true
			} else {
				remove = append(remove, c.span)
			}
		}
	}
	var insert bytes.Buffer
	for _, name := range sortedKeys(keysOf(overrides)) {
		if satisfied[name] {
			continue
		}
		fmt.Fprintf(&insert, `<%s PartName="%s" ContentType="%s"/>`,
			layout.qualify("Override"), escapeXML(name), escapeXML(overrides[name]))
	}
	if len(remove) == 0 && insert.Len() == 0 {
		return data, false, nil
	}
	return layout.splice(data, remove, insert.Bytes()), true, nil
}

func keysOf(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
