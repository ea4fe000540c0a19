package label

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newLabel(id, tenant string) Label {
	return Label{
		ID:          id,
		TenantID:    tenant,
		Name:        "Confidential & Internal",
		Enabled:     true,
		Method:      MethodPrivileged,
		SetDate:     time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		ContentBits: 0x9,
		ActionID:    "c0c0c0c0-0000-4000-8000-000000000001",
	}
}

func writeDocx(t *testing.T, src []byte, l Label) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := WriteOOXML(&out, bytes.NewReader(src), int64(len(src)), l); err != nil {
		t.Fatalf("WriteOOXML: %v", err)
	}
	return out.Bytes()
}

func openZip(t *testing.T, data []byte) map[string]*zip.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("reopening zip: %v", err)
	}
	out := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := out[f.Name]; dup {
			t.Errorf("member %s appears twice", f.Name)
		}
		out[f.Name] = f
	}
	return out
}

func memberBytes(t *testing.T, f *zip.File) []byte {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatalf("opening %s: %v", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", f.Name, err)
	}
	return data
}

func rawBytes(t *testing.T, f *zip.File) []byte {
	t.Helper()
	r, err := f.OpenRaw()
	if err != nil {
		t.Fatalf("opening raw %s: %v", f.Name, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading raw %s: %v", f.Name, err)
	}
	return data
}

func checkWellFormed(t *testing.T, name string, data []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Errorf("%s is not well-formed: %v\n%s", name, err, data)
			return
		}
	}
}

// checkPackage verifies that out still holds every member of src, that
// members the label write does not own are byte-identical in compressed
// form, and that all XML parts are well-formed.
func checkPackage(t *testing.T, src, out []byte, owned ...string) map[string]*zip.File {
	t.Helper()
	before, after := openZip(t, src), openZip(t, out)
	isOwned := map[string]bool{contentTypesName: true, packageRelsName: true}
	for _, o := range owned {
		isOwned[o] = true
	}
	for name, f := range before {
		g, ok := after[name]
		if !ok {
			if !isOwned[name] {
				t.Errorf("member %s is missing after the write", name)
			}
			continue
		}
		if isOwned[name] {
			continue
		}
		if f.CRC32 != g.CRC32 || f.Method != g.Method || !bytes.Equal(rawBytes(t, f), rawBytes(t, g)) {
			t.Errorf("member %s changed", name)
		}
	}
	for name, f := range after {
		if strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".rels") {
			checkWellFormed(t, name, memberBytes(t, f))
		}
	}
	return after
}

func TestWriteOOXMLUnlabeled(t *testing.T) {
	src := docx(t, "", "")
	want := newLabel(labelA, tenantA)
	out := writeDocx(t, src, want)
	after := checkPackage(t, src, out)

	res := readDocx(t, out)
	got, ok := res.Effective()
	if !ok {
		t.Fatal("got unlabeled, want labeled")
	}
	if got.Source != SourceLabelInfo {
		t.Errorf("got source %q, want %q", got.Source, SourceLabelInfo)
	}
	if got.ID != want.ID || got.TenantID != want.TenantID || got.ContentBits != want.ContentBits || got.Method != want.Method {
		t.Errorf("got %+v, want %+v", got.Label, want)
	}
	for _, name := range []string{defaultLabelInfoName, defaultCustomPropsName} {
		if after[name] == nil {
			t.Errorf("member %s is missing", name)
		}
	}
	types := string(memberBytes(t, after[contentTypesName]))
	for _, want := range []string{
		`<Override PartName="/docMetadata/LabelInfo.xml" ContentType="application/vnd.ms-office.classificationlabels+xml"/>`,
		`<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>`,
		`<Override PartName="/word/document.xml"`,
	} {
		if !strings.Contains(types, want) {
			t.Errorf("[Content_Types].xml lacks %s:\n%s", want, types)
		}
	}
	rels := string(memberBytes(t, after[packageRelsName]))
	for _, want := range []string{relTypeLabelInfo, relTypeCustomProps, `Target="word/document.xml"`} {
		if !strings.Contains(rels, want) {
			t.Errorf("_rels/.rels lacks %s:\n%s", want, rels)
		}
	}
}

func TestWriteOOXMLCustomPropsValues(t *testing.T) {
	want := newLabel(labelA, tenantA)
	out := writeDocx(t, docx(t, "", ""), want)
	custom := memberBytes(t, openZip(t, out)[defaultCustomPropsName])
	set, err := parseCustomProps(custom)
	if err != nil {
		t.Fatalf("parsing custom.xml: %v", err)
	}
	entries := set.entries(SourceCustomProps)
	if len(entries) != 1 {
		t.Fatalf("got %d custom property labels, want 1", len(entries))
	}

	got := entries[0].Label
	if got.Name != want.Name {
		t.Errorf("got name %q, want %q", got.Name, want.Name)
	}
	if !got.SetDate.Equal(want.SetDate) {
		t.Errorf("got set date %v, want %v", got.SetDate, want.SetDate)
	}
	if got.ActionID != want.ActionID {
		t.Errorf("got action ID %q, want %q", got.ActionID, want.ActionID)
	}
	if !got.Enabled {
		t.Error("got enabled false, want true")
	}
	if got.ContentBits != want.ContentBits {
		t.Errorf("got content bits %d, want %d", got.ContentBits, want.ContentBits)
	}

	key := `name="MSIP_Label_` + labelA + `_Enabled"><vt:lpwstr>true</vt:lpwstr>`
	if !bytes.Contains(custom, []byte(key)) {
		t.Errorf("custom.xml lacks %s:\n%s", key, custom)
	}
}

func TestWriteOOXMLLabelInfoForm(t *testing.T) {
	out := writeDocx(t, docx(t, "", ""), newLabel(labelA, tenantA))
	got := string(memberBytes(t, openZip(t, out)[defaultLabelInfoName]))
	want := `<?xml version="1.0" encoding="utf-8" standalone="yes"?>` +
		`<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">` +
		`<clbl:label id="{` + labelA + `}" enabled="1" method="Privileged" siteId="{` + tenantA + `}" contentBits="9" removed="0"/>` +
		`</clbl:labelList>`
	if got != want {
		t.Errorf("got LabelInfo\n%s\nwant\n%s", got, want)
	}
}

func TestWriteOOXMLKeepsOtherProps(t *testing.T) {
	src := docx(t, "", customXML(customGroup(labelB, tenantB, "true", "Secret")))
	out := writeDocx(t, src, newLabel(labelA, tenantA))
	after := checkPackage(t, src, out, defaultCustomPropsName)
	custom := string(memberBytes(t, after[defaultCustomPropsName]))
	if !strings.Contains(custom, `name="Project"><vt:lpwstr>Apollo</vt:lpwstr>`) {
		t.Errorf("custom.xml lost the Project property:\n%s", custom)
	}
	var props customProperties
	if err := xml.Unmarshal([]byte(custom), &props); err != nil {
		t.Fatalf("parsing custom.xml: %v", err)
	}
	pids := map[string]bool{}
	for _, p := range props.Properties {
		if pids[p.PID] {
			t.Errorf("pid %s is used twice", p.PID)
		}
		pids[p.PID] = true
	}
	res := readDocx(t, out)
	for _, tenant := range []string{tenantA, tenantB} {
		if _, ok := res.ForTenant(tenant); !ok {
			t.Errorf("tenant %s: got no label, want one", tenant)
		}
	}
}

func TestWriteOOXMLReplacesTenantLabel(t *testing.T) {
	src := docx(t,
		labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"), labelAttrs(labelB, tenantB, "1", "0")),
		customXML(customGroup(labelA, tenantA, "true", "Old"), customGroup(labelB, tenantB, "true", "Other")))
	out := writeDocx(t, src, newLabel(labelA2, tenantA))
	after := checkPackage(t, src, out, defaultCustomPropsName, defaultLabelInfoName)

	custom := string(memberBytes(t, after[defaultCustomPropsName]))
	if strings.Contains(custom, "MSIP_Label_"+labelA+"_") {
		t.Errorf("custom.xml still has keys of the replaced label:\n%s", custom)
	}
	if !strings.Contains(custom, "MSIP_Label_"+labelB+"_Enabled") {
		t.Errorf("custom.xml lost the other tenant's label:\n%s", custom)
	}
	records, err := parseLabelInfo(memberBytes(t, after[defaultLabelInfoName]))
	if err != nil {
		t.Fatalf("parsing LabelInfo: %v", err)
	}
	if len(records) != 2 {
		t.Fatalf("got %d LabelInfo records, want 2", len(records))
	}
	res := readDocx(t, out)
	if got, _ := res.ForTenant(tenantA); got.ID != labelA2 {
		t.Errorf("tenant A: got label %q, want %q", got.ID, labelA2)
	}
	if got, _ := res.ForTenant(tenantB); got.ID != labelB {
		t.Errorf("tenant B: got label %q, want %q", got.ID, labelB)
	}
}

func TestWriteOOXMLNonDefaultPath(t *testing.T) {
	const part = "meta/Labels.xml"
	src := buildZip(t,
		member{contentTypesName, contentTypesXML},
		member{packageRelsName, relsXML(labelInfoRel(part))},
		member{"word/document.xml", documentXML},
		member{part, labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"))},
	)
	out := writeDocx(t, src, newLabel(labelA2, tenantA))
	after := checkPackage(t, src, out, part)
	if after[defaultLabelInfoName] != nil {
		t.Errorf("write created %s, want the label in %s", defaultLabelInfoName, part)
	}
	rels := string(memberBytes(t, after[packageRelsName]))
	if n := strings.Count(rels, relTypeLabelInfo); n != 1 {
		t.Errorf("got %d LabelInfo relationships, want 1", n)
	}
	got, ok := readDocx(t, out).Effective()
	if !ok || got.ID != labelA2 {
		t.Errorf("got %+v, want label %s", got, labelA2)
	}
}

func TestWriteOOXMLWrongCaseMemberDropped(t *testing.T) {
	const stale = "docmetadata/labelinfo.xml"
	src := buildZip(t,
		member{contentTypesName, contentTypesXML},
		member{packageRelsName, relsXML()},
		member{stale, labelInfoXML(labelAttrs(labelB, tenantB, "1", "0"))},
	)
	out := writeDocx(t, src, newLabel(labelA, tenantA))
	after := checkPackage(t, src, out, stale)
	if after[stale] != nil {
		t.Errorf("member %s is still present beside %s", stale, defaultLabelInfoName)
	}
	res := readDocx(t, out)
	if len(res.Labels) != 1 || res.Labels[0].ID != labelA {
		t.Errorf("got labels %+v, want only %s", res.Labels, labelA)
	}
}

func TestWriteOOXMLRemoved(t *testing.T) {
	src := docx(t, labelInfoXML(labelAttrs(labelA, tenantA, "1", "0")), customXML(customGroup(labelA, tenantA, "true", "C")))
	l := newLabel(labelA, tenantA)
	l.Removed = true
	out := writeDocx(t, src, l)
	checkPackage(t, src, out, defaultCustomPropsName, defaultLabelInfoName)
	res := readDocx(t, out)
	if got, ok := res.Effective(); ok {
		t.Errorf("got label %+v, want unlabeled", got)
	}
	custom := string(memberBytes(t, openZip(t, out)[defaultCustomPropsName]))
	if strings.Contains(custom, "MSIP_Label_") {
		t.Errorf("custom.xml still has label keys:\n%s", custom)
	}
}

func TestWriteOOXMLInvalidLabel(t *testing.T) {
	tests := []struct {
		name string
		l    Label
	}{
		{"bad id", Label{ID: "x", TenantID: tenantA}},
		{"bad tenant", Label{ID: labelA, TenantID: "tenant"}},
		{"bad method", Label{ID: labelA, TenantID: tenantA, Method: "Auto"}},
	}
	src := docx(t, "", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteOOXML(io.Discard, bytes.NewReader(src), int64(len(src)), tt.l)
			if !errors.Is(err, ErrInvalidLabel) {
				t.Errorf("got %v, want ErrInvalidLabel", err)
			}
		})
	}
}

func TestWriteCaseFiles(t *testing.T) {
	for _, name := range []string{"01_label_customprops.docx", "02_label_labelinfo.docx", "03_label_removed_labelinfo.docx", "05_unlabeled.docx", "06_label_enabled_false_customprops.docx"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, src, 0o640); err != nil {
				t.Fatal(err)
			}
			want := newLabel(labelA, exampleTenantID)
			if err := Write(path, want); err != nil {
				t.Fatalf("Write: %v", err)
			}
			out, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkPackage(t, src, out, defaultCustomPropsName, defaultLabelInfoName)
			res, err := Read(path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(res.Labels) != 1 || res.Labels[0].ID != labelA {
				t.Errorf("got labels %+v, want only %s", res.Labels, labelA)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o640 {
				t.Errorf("got mode %v, want 0640", info.Mode().Perm())
			}
		})
	}
}
