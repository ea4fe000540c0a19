package inspect

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// noisyText returns n bytes of random digits and letters, which deflate
// compresses only about 1.6:1, well under any ratio limit.
func noisyText(n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func deepXML(depth int) string {
	return `<w:document ` + wordNS + `>` + strings.Repeat("<w:p>", depth) + strings.Repeat("</w:p>", depth) + `</w:document>`
}

func pdfWithStreams(n int, content string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	for i := range n {
		fmt.Fprintf(&b, "%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", i+1, len(content), content)
	}
	return b.Bytes()
}

func TestLimitsRejectHostileFiles(t *testing.T) {
	zeros := strings.Repeat("\x00", 8<<20)
	tests := []struct {
		name  string
		file  string
		data  []byte
		lim   Limits
		limit string
	}{
		{"input size", "a.txt", []byte(strings.Repeat("a", 200)), Limits{MaxInputBytes: 100}, "MaxInputBytes"},
		{"text size", "a.txt", []byte(strings.Repeat("a", 200)), Limits{MaxTextBytes: 100}, "MaxTextBytes"},
		{"docx text size", "a.docx", buildDOCX(t, strings.Repeat("a", 200)), Limits{MaxTextBytes: 100}, "MaxTextBytes"},
		{"zip bomb", "a.docx", buildOOXML(t, map[string]string{"word/document.xml": zeros}), Limits{}, "MaxCompressionRatio"},
		{"huge member", "a.docx", buildOOXML(t, map[string]string{"word/document.xml": noisyText(2 << 20)}), Limits{MaxMemberBytes: 1 << 20}, "MaxMemberBytes"},
		{"total uncompressed", "a.docx", buildOOXML(t, map[string]string{
			"word/document.xml": wordXML("document", noisyText(400<<10)),
			"word/header1.xml":  wordXML("hdr", noisyText(400<<10)),
			"word/footer1.xml":  wordXML("ftr", noisyText(400<<10)),
		}), Limits{MaxTotalBytes: 1 << 20}, "MaxTotalBytes"},
		{"zip entries", "a.xlsx", buildOOXML(t, map[string]string{
			"xl/workbook.xml": "<workbook/>", "a": "", "b": "", "c": "", "d": "",
		}), Limits{MaxZipEntries: 4}, "MaxZipEntries"},
		{"xml depth", "a.docx", buildOOXML(t, map[string]string{"word/document.xml": deepXML(300)}), Limits{}, "MaxXMLDepth"},
		{"xml tokens", "a.docx", buildDOCX(t, strings.Repeat("x", 5000)), Limits{MaxXMLTokens: 1000}, "MaxXMLTokens"},
		{"pdf streams", "a.pdf", pdfWithStreams(3, "BT (a) Tj ET"), Limits{MaxPDFStreams: 2}, "MaxPDFStreams"},
		{"pdf flate bomb", "a.pdf", buildPDF(t, zeros, true), Limits{}, "MaxCompressionRatio"},
		{"pdf huge stream", "a.pdf", buildPDF(t, noisyText(2<<20), true), Limits{MaxMemberBytes: 1 << 20}, "MaxMemberBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newInspector(t, Config{Cards: true, Limits: tt.lim})
			_, err := inspectBytes(t, in, tt.file, tt.data)
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("got error %v, want a *LimitError for %s", err, tt.limit)
			}
			if le.Limit != tt.limit {
				t.Errorf("got limit %s (%v), want %s", le.Limit, err, tt.limit)
			}
			if !errors.Is(err, ErrLimitExceeded) {
				t.Errorf("got error %v, want it to wrap ErrLimitExceeded", err)
			}
		})
	}
}

// TestLimitsUnderstatedSize builds a member whose header claims 1 KiB but
// which inflates to 8 MiB, so the declared-size checks pass.
func TestLimitsUnderstatedSize(t *testing.T) {
	var compressed bytes.Buffer
	fw, err := flate.NewWriter(&compressed, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(make([]byte, 8<<20)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	ct, _ := w.Create("[Content_Types].xml")
	ct.Write([]byte(contentTypes))
	raw, err := w.CreateRaw(&zip.FileHeader{
		Name:               "word/document.xml",
		Method:             zip.Deflate,
		CompressedSize64:   uint64(compressed.Len()),
		UncompressedSize64: 1024,
	})
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(compressed.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	in := newInspector(t, Config{Cards: true, Limits: Limits{MaxMemberBytes: 1 << 20}})
	if _, err := inspectBytes(t, in, "a.docx", buf.Bytes()); err == nil {
		t.Fatal("got no error for a member that inflates past its declared size")
	}
}

func TestLimitErrorMessage(t *testing.T) {
	err := limitError("MaxMemberBytes", 10, "zip member %q", "word/document.xml")
	want := `zip member "word/document.xml" exceeds Limits.MaxMemberBytes (10)`
	if got := err.Error(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLimitsAllowOrdinaryFiles(t *testing.T) {
	// Repetitive XML compresses far beyond MaxCompressionRatio, but under
	// ratioFloor the ratio is not applied.
	data := buildDOCX(t, strings.Repeat("aaaa ", 40<<10/5), testCard)
	r, err := inspectBytes(t, defaultInspector(t), "a.docx", data)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if got := count(r, DetectorCard); got != 1 {
		t.Errorf("got %d cards, want 1", got)
	}
}
