package label

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const (
	tenantA = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"
	tenantB = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"
	labelA  = "a0a0a0a0-0000-4000-8000-000000000001"
	labelA2 = "a0a0a0a0-0000-4000-8000-000000000002"
	labelB  = "b0b0b0b0-0000-4000-8000-000000000001"
)

type member struct{ name, body string }

// buildZip returns a zip file with the members in order.
func buildZip(t testing.TB, members ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatalf("creating %s: %v", m.name, err)
		}
		if _, err := w.Write([]byte(m.body)); err != nil {
			t.Fatalf("writing %s: %v", m.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("closing zip: %v", err)
	}
	return buf.Bytes()
}

const contentTypesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

const documentXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>text</w:t></w:r></w:p></w:body></w:document>`

// relsXML returns a package relationships part with the office document
// relationship and the given extra relationships as type=target pairs.
func relsXML(extra ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>`)
	for i, e := range extra {
		typ, target, _ := strings.Cut(e, "=")
		fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="%s" Target="%s"/>`, i+10, typ, target)
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

func labelInfoRel(target string) string { return relTypeLabelInfo + "=" + target }
func customRel(target string) string    { return relTypeCustomProps + "=" + target }

// labelInfoXML returns a LabelInfo part with one label element per
// attribute string, such as `id="{...}" enabled="1" ...`.
func labelInfoXML(labels ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8" standalone="yes"?><clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">`)
	for _, l := range labels {
		b.WriteString(`<clbl:label ` + l + `/>`)
	}
	b.WriteString(`</clbl:labelList>`)
	return b.String()
}

func labelAttrs(id, tenant, enabled, removed string) string {
	return fmt.Sprintf(`id="{%s}" enabled="%s" method="Standard" siteId="{%s}" contentBits="0" removed="%s"`, id, enabled, tenant, removed)
}

// customXML returns a custom properties part with the MSIP_Label_ keys of
// one label per group, plus an unrelated property.
func customXML(groups ...map[string]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">` +
		`<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Project"><vt:lpwstr>Apollo</vt:lpwstr></property>`)
	pid := 3
	for _, g := range groups {
		id := g["id"]
		for _, attr := range []string{"Enabled", "SiteId", "Method", "Name", "ContentBits"} {
			if v, ok := g[attr]; ok {
				fmt.Fprintf(&b, `<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="%d" name="MSIP_Label_%s_%s"><vt:lpwstr>%s</vt:lpwstr></property>`, pid, id, attr, v)
				pid++
			}
		}
	}
	b.WriteString(`</Properties>`)
	return b.String()
}

func customGroup(id, tenant, enabled, name string) map[string]string {
	return map[string]string{"id": id, "SiteId": tenant, "Enabled": enabled, "Method": "Privileged", "Name": name, "ContentBits": "0"}
}

// docx builds a package with the given LabelInfo part (at the default
// name, with its relationship) and custom properties; empty means absent.
func docx(t testing.TB, labelInfo, custom string) []byte {
	t.Helper()
	var rels []string
	members := []member{{contentTypesName, contentTypesXML}, {"word/document.xml", documentXML}}
	if labelInfo != "" {
		rels = append(rels, labelInfoRel(defaultLabelInfoName))
		members = append(members, member{defaultLabelInfoName, labelInfo})
	}
	if custom != "" {
		rels = append(rels, customRel(defaultCustomPropsName))
		members = append(members, member{defaultCustomPropsName, custom})
	}
	members = append(members, member{packageRelsName, relsXML(rels...)})
	return buildZip(t, members...)
}

func readDocx(t testing.TB, data []byte) Result {
	t.Helper()
	res, err := ReadOOXML(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("ReadOOXML: %v", err)
	}
	return res
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func jsonLine(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	return append(data, '\n'), err
}
