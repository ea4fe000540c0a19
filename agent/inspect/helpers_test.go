package inspect

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"html"
	"sort"
	"strings"
	"testing"
)

func newInspector(t testing.TB, cfg Config) *Inspector {
	t.Helper()
	in, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return in
}

// defaultInspector has all built-in detectors enabled.
func defaultInspector(t testing.TB) *Inspector {
	return newInspector(t, DefaultConfig())
}

func count(r Report, id string) int {
	f, _ := r.Finding(id)
	return f.Count
}

// detected lists the detector ids in r with their counts, for messages.
func detected(r Report) string {
	var parts []string
	for _, f := range r.Findings {
		parts = append(parts, fmt.Sprintf("%s=%d", f.Detector, f.Count))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func inspectBytes(t testing.TB, in *Inspector, name string, data []byte) (Report, error) {
	t.Helper()
	return in.Inspect(context.Background(), name, bytes.NewReader(data), int64(len(data)))
}

// zipMember is one file of an archive built by buildZip.
type zipMember struct {
	name  string
	body  []byte
	store bool // write uncompressed
}

func buildZip(t testing.TB, members ...zipMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range members {
		method := zip.Deflate
		if m.store {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: m.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// buildOOXML builds a package with [Content_Types].xml and the given parts.
func buildOOXML(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	members := []zipMember{{name: "[Content_Types].xml", body: []byte(contentTypes)}}
	for _, name := range sortedKeys(parts) {
		members = append(members, zipMember{name: name, body: []byte(parts[name])})
	}
	return buildZip(t, members...)
}

const wordNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`

// wordXML returns a document body with one paragraph per entry, each split
// into runs of at most five bytes as Word does after edits.
func wordXML(root string, paragraphs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:%s %s><w:body>`, root, wordNS)
	for _, p := range paragraphs {
		b.WriteString("<w:p>")
		for len(p) > 0 {
			n := min(5, len(p))
			fmt.Fprintf(&b, `<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`, html.EscapeString(p[:n]))
			p = p[n:]
		}
		b.WriteString("</w:p>")
	}
	fmt.Fprintf(&b, `</w:body></w:%s>`, root)
	return b.String()
}

func buildDOCX(t testing.TB, paragraphs ...string) []byte {
	return buildOOXML(t, map[string]string{"word/document.xml": wordXML("document", paragraphs...)})
}

const sheetNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`

func buildXLSX(t testing.TB, shared []string, rowsXML string) []byte {
	var sst strings.Builder
	fmt.Fprintf(&sst, `<?xml version="1.0" encoding="UTF-8"?><sst %s count="%d">`, sheetNS, len(shared))
	for _, s := range shared {
		fmt.Fprintf(&sst, `<si><t>%s</t></si>`, html.EscapeString(s))
	}
	sst.WriteString(`</sst>`)
	return buildOOXML(t, map[string]string{
		"xl/workbook.xml":          `<workbook ` + sheetNS + `><sheets><sheet name="A" sheetId="1"/></sheets></workbook>`,
		"xl/sharedStrings.xml":     sst.String(),
		"xl/worksheets/sheet1.xml": `<worksheet ` + sheetNS + `><sheetData>` + rowsXML + `</sheetData></worksheet>`,
	})
}

func buildPPTX(t testing.TB, slides ...string) []byte {
	parts := map[string]string{"ppt/presentation.xml": `<p:presentation xmlns:p="p"/>`}
	for i, text := range slides {
		parts[fmt.Sprintf("ppt/slides/slide%d.xml", i+1)] = fmt.Sprintf(
			`<p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>%s</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
			html.EscapeString(text))
	}
	return buildOOXML(t, parts)
}

// buildPDF writes a one-page PDF whose content stream is content, with a
// correct cross-reference table. With flate set the stream is compressed
// with FlateDecode.
func buildPDF(t testing.TB, content string, flate bool) []byte {
	t.Helper()
	stream := []byte(content)
	filter := ""
	if flate {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		if _, err := w.Write(stream); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		stream = z.Bytes()
		filter = " /Filter /FlateDecode"
	}

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d%s >>\nstream\n%s\nendstream", len(stream), filter, stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	offsets := make([]int, len(objects))
	for i, obj := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, obj)
	}

	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
