package label

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func readPDF(t *testing.T, data []byte) Result {
	t.Helper()
	res, err := ReadPDF(data)
	if err != nil {
		t.Fatalf("ReadPDF: %v", err)
	}
	return res
}

func TestReadPDFInfoBooleans(t *testing.T) {
	tests := []struct {
		enabled string
		want    bool
	}{
		{"true", true}, {"True", true}, {"TRUE", true}, {"1", true},
		{"false", false}, {"FALSE", false}, {"0", false}, {"", false},
	}
	for _, tt := range tests {
		t.Run(tt.enabled, func(t *testing.T) {
			res := readPDF(t, simplePDF(infoObj(labelA, tenantA, tt.enabled, "C")))
			if _, got := res.Effective(); got != tt.want {
				t.Errorf("Enabled=%q: got labeled %v, want %v", tt.enabled, got, tt.want)
			}
		})
	}
}

func TestReadPDFIncrementalUpdate(t *testing.T) {
	tests := []struct {
		name          string
		first, second string
		want          bool
	}{
		{"disabled later", "true", "false", false},
		{"enabled later", "false", "true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := newPDFBuilder().obj(1, catalogObj).obj(2, pagesObj).obj(3, pageObj).
				obj(4, infoObj(labelA, tenantA, tt.first, "C")).table("/Size 5 /Root 1 0 R /Info 4 0 R").
				obj(5, infoObj(labelA, tenantA, tt.second, "C")).table("/Size 6 /Root 1 0 R /Info 5 0 R").bytes()
			if _, got := readPDF(t, data).Effective(); got != tt.want {
				t.Errorf("got labeled %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadPDFRedefinedInfoObject(t *testing.T) {
	// The update redefines object 4 and its trailer omits /Info, which the
	// reader takes from the older trailer.
	data := newPDFBuilder().obj(1, catalogObj).obj(2, pagesObj).obj(3, pageObj).
		obj(4, infoObj(labelA, tenantA, "false", "C")).table("/Size 5 /Root 1 0 R /Info 4 0 R").
		obj(4, infoObj(labelA, tenantA, "true", "C")).table("/Size 5 /Root 1 0 R").bytes()
	got, ok := readPDF(t, data).Effective()
	if !ok || got.ID != labelA {
		t.Errorf("got %+v labeled %v, want label %s", got, ok, labelA)
	}
}

// objStmPDF stores the information dictionary in a compressed object
// stream and indexes the file with a cross-reference stream.
func objStmPDF(predictor bool) []byte {
	info := infoObj(labelA, tenantA, "true", "C")
	header := "4 0 "
	body := []byte(header + info)
	return newPDFBuilder().obj(1, catalogObj).obj(2, pagesObj).obj(3, pageObj).
		stream(5, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Filter /FlateDecode", len(header)), deflate(body)).
		xrefStream(6, "/Size 7 /Root 1 0 R /Info 4 0 R", map[int][2]int{4: {5, 0}}, predictor).bytes()
}

func TestReadPDFXrefStream(t *testing.T) {
	for _, predictor := range []bool{false, true} {
		t.Run(fmt.Sprintf("predictor=%v", predictor), func(t *testing.T) {
			got, ok := readPDF(t, objStmPDF(predictor)).Effective()
			if !ok {
				t.Fatal("got unlabeled, want labeled")
			}
			if got.ID != labelA || got.TenantID != tenantA {
				t.Errorf("got %s/%s, want %s/%s", got.ID, got.TenantID, labelA, tenantA)
			}
		})
	}
}

func TestReadPDFStringForms(t *testing.T) {
	utf16Name := "<FEFF004B00F6006C006E>" // "Köln" in UTF-16BE with byte order mark
	p := "/MSIP_Label_" + labelA + "_"
	info := "<< " + p + "Enabled <74727565> " + p + "SiteId (" + tenantA + ") " + p + "Name " + utf16Name + " " + p + "Method /Privileged >>"
	got, ok := readPDF(t, simplePDF(info)).Effective()
	if !ok {
		t.Fatal("got unlabeled, want labeled")
	}
	if got.Name != "Köln" {
		t.Errorf("got name %q, want %q", got.Name, "Köln")
	}
	if got.Method != MethodPrivileged {
		t.Errorf("got method %q, want %q", got.Method, MethodPrivileged)
	}
}

func TestReadPDFIndirectValue(t *testing.T) {
	p := "/MSIP_Label_" + labelA + "_"
	data := newPDFBuilder().obj(1, catalogObj).obj(2, pagesObj).obj(3, pageObj).
		obj(4, "<< "+p+"Enabled 5 0 R "+p+"SiteId ("+tenantA+") >>").obj(5, "(true)").
		table("/Size 6 /Root 1 0 R /Info 4 0 R").bytes()
	if _, ok := readPDF(t, data).Effective(); !ok {
		t.Error("got unlabeled, want labeled")
	}
}

// xmpPDF returns a PDF whose catalog has the given XMP packet, deflated or
// not, and the given information dictionary.
func xmpPDF(info string, xmp []byte, compress bool) []byte {
	b := newPDFBuilder().obj(1, "<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>").obj(2, pagesObj).obj(3, pageObj)
	if compress {
		b.stream(5, "/Type /Metadata /Subtype /XML /Filter /FlateDecode", deflate(xmp))
	} else {
		b.stream(5, "/Type /Metadata /Subtype /XML", xmp)
	}
	if info == "" {
		info = "<< /Producer (fixture) >>"
	}
	return b.obj(4, info).table("/Size 6 /Root 1 0 R /Info 4 0 R").bytes()
}

func TestReadPDFXMP(t *testing.T) {
	attrForm := `<rdf:Description rdf:about="" xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/" pdfx:MSIP_Label_` + labelB + `_Enabled="True" pdfx:MSIP_Label_` + labelB + `_SiteId="` + tenantB + `"/>`
	tests := []struct {
		name     string
		info     string
		xmp      string
		compress bool
		want     map[string]Source
	}{
		{"element form", "", xmpLabel(labelA, tenantA, "true"), false, map[string]Source{tenantA: SourcePDFXMP}},
		{"deflated", "", xmpLabel(labelA, tenantA, "TRUE"), true, map[string]Source{tenantA: SourcePDFXMP}},
		{"attribute form", "", attrForm, false, map[string]Source{tenantB: SourcePDFXMP}},
		{"info wins", infoObj(labelA2, tenantA, "false", "C"), xmpLabel(labelA, tenantA, "true"), false, map[string]Source{}},
		{"both tenants", infoObj(labelA, tenantA, "true", "C"), attrForm, false, map[string]Source{tenantA: SourcePDFInfo, tenantB: SourcePDFXMP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readPDF(t, xmpPDF(tt.info, xmpPacket(tt.xmp), tt.compress))
			if len(res.Labels) != len(tt.want) {
				t.Fatalf("got %d labels (%+v), want %d", len(res.Labels), res.Labels, len(tt.want))
			}
			for tenant, src := range tt.want {
				got, ok := res.ForTenant(tenant)
				if !ok {
					t.Errorf("tenant %s: got no label", tenant)
					continue
				}
				if got.Source != src {
					t.Errorf("tenant %s: got source %q, want %q", tenant, got.Source, src)
				}
			}
		})
	}
}

func TestReadPDFDamagedXref(t *testing.T) {
	data := simplePDF(infoObj(labelA, tenantA, "true", "C"))
	i := bytes.LastIndex(data, []byte("startxref\n"))
	damaged := append(bytes.Clone(data[:i]), []byte("startxref\n12\n%%EOF\n")...)
	if _, ok := readPDF(t, damaged).Effective(); !ok {
		t.Error("got unlabeled, want labeled after rebuilding the cross-reference table")
	}
}

func TestReadPDFErrors(t *testing.T) {
	deep := "%PDF-1.4\n1 0 obj\n" + strings.Repeat("[", 10000) + "\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrInvalidPDF},
		{"no header", []byte("hello"), ErrInvalidPDF},
		{"header only", []byte("%PDF-1.4\n"), ErrInvalidPDF},
		{"encrypted", []byte(strings.Replace(string(simplePDF("")), "/Root 1 0 R", "/Root 1 0 R /Encrypt << /Filter /Standard >>", 1)), ErrEncryptedPDF},
		{"no root", []byte(strings.Replace(string(simplePDF("")), "/Root 1 0 R", "", 1)), ErrInvalidPDF},
		{"deep nesting", []byte(deep), ErrInvalidPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadPDF(tt.data)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReadPDFPrevLoop(t *testing.T) {
	data := simplePDF(infoObj(labelA, tenantA, "true", "C"))
	start := bytes.LastIndex(data, []byte("\nxref\n")) + 1
	looped := bytes.Replace(data, []byte("/Info 4 0 R >>"), []byte(fmt.Sprintf("/Info 4 0 R /Prev %d >>", start)), 1)
	doc := &pdfDoc{data: looped, xref: map[int]xrefEntry{}, objStreams: map[int]*objStream{}}
	err := doc.loadXrefChain()
	if !errors.Is(err, ErrInvalidPDF) || !strings.Contains(err.Error(), "loops") {
		t.Errorf("got %v, want an error about a /Prev loop", err)
	}
}

func TestReadPDFTruncatedNoPanic(t *testing.T) {
	inputs := [][]byte{
		simplePDF(infoObj(labelA, tenantA, "true", "C")),
		objStmPDF(true),
		xmpPDF("", xmpPacket(xmpLabel(labelA, tenantA, "true")), true),
	}
	failures := 0
	for _, data := range inputs {
		for n := 0; n < len(data); n++ {
			if _, err := ReadPDF(data[:n]); err != nil {
				failures++
			}
		}
	}
	if failures == 0 {
		t.Error("got no error for any truncated input, want errors for short prefixes")
	}
}

func FuzzReadPDF(f *testing.F) {
	f.Add(simplePDF(infoObj(labelA, tenantA, "true", "C")))
	f.Add(objStmPDF(true))
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadPDF(data) // must not panic
	})
}
