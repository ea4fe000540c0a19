package label

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePDF(t *testing.T, src []byte, l Label) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := WritePDF(&out, src, l); err != nil {
		t.Fatalf("WritePDF: %v", err)
	}
	return out.Bytes()
}

// checkPDFStructure parses out with the package's own reader and checks
// that the original bytes are a prefix, that no cross-reference table was
// rebuilt, and that every in-use offset points at its "N G obj" header.
func checkPDFStructure(t *testing.T, src, out []byte) *pdfDoc {
	t.Helper()
	if !bytes.HasPrefix(out, src) {
		t.Fatal("the original bytes are not a prefix of the updated file")
	}
	doc, err := parsePDF(out)
	if err != nil {
		t.Fatalf("parsing updated PDF: %v", err)
	}
	if doc.reconstructed {
		t.Fatal("the updated file's cross-reference information did not parse")
	}
	for num, e := range doc.xref {
		if e.kind != 1 {
			continue
		}
		header := fmt.Sprintf("%d %d obj", num, e.gen)
		if !bytes.HasPrefix(out[e.offset:], []byte(header)) {
			t.Errorf("object %d: offset %d does not start %q", num, e.offset, header)
		}
	}
	if _, ok := doc.trailer.get("Prev").(int64); !ok {
		t.Error("new trailer has no /Prev")
	}
	return doc
}

func TestWritePDFRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
	}{
		{"no info", simplePDF("")},
		{"unlabeled info", simplePDF("<< /Producer (fixture) /Title (Report \\(draft\\)) >>")},
		{"labeled info", simplePDF(infoObj(labelA2, tenantA, "true", "Old"))},
		{"xref stream", objStmPDF(true)},
		{"no final newline", bytes.TrimRight(simplePDF(""), "\n")},
	}
	want := newLabel(labelA, tenantA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := writePDF(t, tt.src, want)
			doc := checkPDFStructure(t, tt.src, out)
			res := readPDF(t, out)
			if len(res.Labels) != 1 {
				t.Fatalf("got %d labels (%+v), want 1", len(res.Labels), res.Labels)
			}
			got := res.Labels[0]
			if got.Source != SourcePDFInfo {
				t.Errorf("got source %q, want %q", got.Source, SourcePDFInfo)
			}
			if got.ID != want.ID || got.TenantID != want.TenantID || got.Name != want.Name || got.Method != want.Method || got.ContentBits != want.ContentBits || got.ActionID != want.ActionID {
				t.Errorf("got %+v, want %+v", got.Label, want)
			}
			if !got.SetDate.Equal(want.SetDate) {
				t.Errorf("got set date %v, want %v", got.SetDate, want.SetDate)
			}
			if doc.xrefIsStream != bytes.Contains(tt.src, []byte("/Type /XRef")) {
				t.Errorf("got cross-reference stream %v, want the same kind as the original", doc.xrefIsStream)
			}
		})
	}
}

func TestWritePDFKeepsInfoEntries(t *testing.T) {
	src := simplePDF("<< /Producer (fixture) /Title (Report \\(draft\\)) >>")
	doc, err := parsePDF(writePDF(t, src, newLabel(labelA, tenantA)))
	if err != nil {
		t.Fatal(err)
	}
	info, err := doc.infoDict()
	if err != nil {
		t.Fatal(err)
	}
	if got := textString(info.get("Title").(pdfString)); got != "Report (draft)" {
		t.Errorf("got title %q, want %q", got, "Report (draft)")
	}
	if got := textString(info.get("Producer").(pdfString)); got != "fixture" {
		t.Errorf("got producer %q, want %q", got, "fixture")
	}
}

func TestWritePDFTenants(t *testing.T) {
	src := simplePDF(infoObj(labelB, tenantB, "true", "Other"))
	first := writePDF(t, src, newLabel(labelA, tenantA))
	second := writePDF(t, first, newLabel(labelA2, tenantA))
	checkPDFStructure(t, first, second)
	res := readPDF(t, second)
	if got, _ := res.ForTenant(tenantA); got.ID != labelA2 {
		t.Errorf("tenant A: got %q, want %q", got.ID, labelA2)
	}
	if got, _ := res.ForTenant(tenantB); got.ID != labelB {
		t.Errorf("tenant B: got %q, want %q", got.ID, labelB)
	}
	for _, r := range res.Records {
		if r.ID == labelA {
			t.Errorf("replaced label %s is still present", labelA)
		}
	}
}

func TestWritePDFRemoved(t *testing.T) {
	src := simplePDF(infoObj(labelA, tenantA, "true", "C"))
	l := newLabel(labelA, tenantA)
	l.Removed = true
	out := writePDF(t, src, l)
	res := readPDF(t, out)
	if len(res.Records) != 0 {
		t.Errorf("got records %+v, want none", res.Records)
	}
}

func TestWritePDFUpdatesXMP(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("deflated=%v", compress), func(t *testing.T) {
			src := xmpPDF("", xmpPacket(xmpLabel(labelA2, tenantA, "true")), compress)
			out := writePDF(t, src, newLabel(labelA, tenantA))
			doc := checkPDFStructure(t, src, out)
			xmp, _, err := doc.metadata()
			if err != nil || xmp == nil {
				t.Fatalf("reading XMP: %v (nil %v)", err, xmp == nil)
			}
			checkWellFormed(t, "XMP", xmp)
			set, err := parseXMPLabels(xmp)
			if err != nil {
				t.Fatal(err)
			}
			entries := set.entries(SourcePDFXMP)
			if len(entries) != 1 || entries[0].ID != labelA || !entries[0].Active() {
				t.Errorf("got XMP labels %+v, want only active %s", entries, labelA)
			}
			if !bytes.Contains(xmp, []byte("<dc:format>application/pdf</dc:format>")) {
				t.Errorf("XMP lost other properties:\n%s", xmp)
			}
		})
	}
}

func TestWritePDFErrors(t *testing.T) {
	damaged := simplePDF("")
	i := bytes.LastIndex(damaged, []byte("startxref\n"))
	damaged = append(bytes.Clone(damaged[:i]), []byte("startxref\n3\n%%EOF\n")...)
	tests := []struct {
		name string
		src  []byte
		want error
	}{
		{"damaged", damaged, ErrDamagedPDF},
		{"encrypted", []byte(strings.Replace(string(simplePDF("")), "/Root 1 0 R", "/Root 1 0 R /Encrypt 9 0 R", 1)), ErrEncryptedPDF},
		{"not pdf", []byte("plain"), ErrInvalidPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := WritePDF(&out, tt.src, newLabel(labelA, tenantA))
			if err == nil || !errorsIs(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWritePDFCaseFiles(t *testing.T) {
	for _, name := range []string{"08_label_infodict.pdf", "09_unlabeled.pdf"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, src, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := Write(path, newLabel(labelA, exampleTenantID)); err != nil {
				t.Fatalf("Write: %v", err)
			}
			out, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkPDFStructure(t, src, out)
			res, err := Read(path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(res.Labels) != 1 || res.Labels[0].ID != labelA {
				t.Errorf("got labels %+v, want only %s", res.Labels, labelA)
			}
		})
	}
}
