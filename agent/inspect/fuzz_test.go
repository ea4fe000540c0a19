package inspect

import (
	"errors"
	"testing"
)

// fuzzLimits are small, so that the fuzzer reaches them and each input
// stays fast.
var fuzzLimits = Limits{
	MaxInputBytes:  1 << 20,
	MaxTextBytes:   64 << 10,
	MaxZipEntries:  64,
	MaxMemberBytes: 256 << 10,
	MaxTotalBytes:  512 << 10,
	MaxXMLDepth:    32,
	MaxXMLTokens:   20000,
	MaxPDFStreams:  32,
}

func fuzzInspector(t testing.TB) *Inspector {
	cfg := DefaultConfig()
	cfg.Limits = fuzzLimits
	cfg.Keywords = []KeywordDetector{{ID: "kw", Keywords: []string{"secret", "top secret"}}}
	cfg.Patterns = []PatternDetector{{ID: "re", Pattern: `[A-Z]{3}-\d+`}}
	return newInspector(t, cfg)
}

// checkReport fails on a report that breaks the package's guarantees: offsets
// inside the text and in order, caps respected, and samples that are not the
// full matched value.
func checkReport(t *testing.T, r Report, text []byte) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Count < len(f.Offsets) || len(f.Samples) > defaultMaxSamples || len(f.Offsets) > defaultMaxOffsets {
			t.Fatalf("%s: count %d, %d offsets, %d samples break the caps", f.Detector, f.Count, len(f.Offsets), len(f.Samples))
		}
		for i, off := range f.Offsets {
			if off < 0 || off >= r.TextBytes || (i > 0 && off < f.Offsets[i-1]) {
				t.Fatalf("%s: offset %d out of order or outside text of %d bytes", f.Detector, off, r.TextBytes)
			}
		}
		for _, s := range f.Samples {
			if s.Offset < 0 || s.Offset+s.Length > r.TextBytes {
				t.Fatalf("%s: sample at %d+%d outside text of %d bytes", f.Detector, s.Offset, s.Length, r.TextBytes)
			}
			if text != nil && s.Length >= 4 && s.Redacted == string(text[s.Offset:s.Offset+s.Length]) {
				t.Fatalf("%s: sample %q is not redacted", f.Detector, s.Redacted)
			}
		}
	}
}

func FuzzScanText(f *testing.F) {
	for _, s := range []string{
		"4111 1111 1111 1111", "5105-1051-0510-5100", "536-22-8145", "GB82 WEST 1234 5698 7654 32",
		"1548138160707", "99994242424242424242", "x4242424242424242", "4111 1111-1111 1111",
		"TOP secret ABC-12", "1.4242424242424242", "DE89370400440532013000",
	} {
		f.Add([]byte(s))
	}
	in := fuzzInspector(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		r := in.ScanText(text)
		if r.TextBytes != len(text) {
			t.Fatalf("got TextBytes %d, want %d", r.TextBytes, len(text))
		}
		checkReport(t, r, text)
	})
}

// fuzzFile inspects data and checks that limits hold and errors are typed.
func fuzzFile(t *testing.T, in *Inspector, name string, data []byte) {
	r, err := inspectBytes(t, in, name, data)
	if err != nil {
		return
	}
	if int64(r.TextBytes) > fuzzLimits.MaxTextBytes {
		t.Fatalf("got %d bytes of text, over MaxTextBytes %d", r.TextBytes, fuzzLimits.MaxTextBytes)
	}
	checkReport(t, r, nil)
}

func FuzzInspectFile(f *testing.F) {
	f.Add("a.docx", buildDOCX(f, "Card "+testCard))
	f.Add("a.xlsx", buildXLSX(f, []string{testCard}, `<row><c t="s"><v>0</v></c><c><v>4.1E+15</v></c></row>`))
	f.Add("a.pptx", buildPPTX(f, testCard))
	f.Add("a.pdf", buildPDF(f, "BT (4111111111111111) Tj [(a)-300<3431>] TJ ET", true))
	f.Add("a.pdf", buildPDF(f, "BT (4111111111111111) Tj ET", false))
	f.Add("a.txt", []byte("\xff\xfe4\x001\x00"))
	in := fuzzInspector(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		fuzzFile(t, in, name, data)
	})
}

// The member fuzzers put the fuzzed bytes inside a valid archive, so that
// they reach the XML handlers in place of failing the zip checksum.

func FuzzWordXML(f *testing.F) {
	f.Add([]byte(wordXML("document", "a "+testCard, "b")))
	f.Add([]byte(deepXML(40)))
	in := fuzzInspector(f)
	f.Fuzz(func(t *testing.T, xml []byte) {
		fuzzFile(t, in, "a.docx", buildOOXML(t, map[string]string{"word/document.xml": string(xml)}))
	})
}

func FuzzSheetXML(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row><c t="inlineStr"><is><t>x</t></is></c><c><v>4.111111111111111E+15</v></c></row></sheetData></worksheet>`))
	in := fuzzInspector(f)
	f.Fuzz(func(t *testing.T, xml []byte) {
		fuzzFile(t, in, "a.xlsx", buildOOXML(t, map[string]string{
			"xl/workbook.xml":          "<workbook/>",
			"xl/sharedStrings.xml":     string(xml),
			"xl/worksheets/sheet1.xml": string(xml),
		}))
	})
}

func FuzzSlideXML(f *testing.F) {
	f.Add([]byte(`<p:sld xmlns:p="p" xmlns:a="a"><a:p><a:r><a:t>4111 1111 1111 1111</a:t></a:r><a:br/></a:p></p:sld>`))
	in := fuzzInspector(f)
	f.Fuzz(func(t *testing.T, xml []byte) {
		fuzzFile(t, in, "a.pptx", buildOOXML(t, map[string]string{
			"ppt/presentation.xml":  "<p/>",
			"ppt/slides/slide1.xml": string(xml),
		}))
	})
}

func FuzzPDFContent(f *testing.F) {
	for _, s := range []string{
		"BT (4111 1111 1111 1111) Tj ET",
		"BT [(41)-20(11)-400<31313131>] TJ T* (a\\(b\\)\\101) ' 0 -14 Td ET",
		"BI /W 1 ID \x00\x01 EI BT <FEFF0034> Tj ET",
		"(unterminated \\",
	} {
		f.Add([]byte(s), true)
	}
	in := fuzzInspector(f)
	f.Fuzz(func(t *testing.T, content []byte, flate bool) {
		data := buildPDF(t, string(content), flate)
		_, err := inspectBytes(t, in, "a.pdf", data)
		if err != nil && !errors.Is(err, ErrLimitExceeded) && !errors.Is(err, ErrEncrypted) {
			t.Fatalf("got unexpected error %v", err)
		}
		var out textBuffer
		out.max = fuzzLimits.MaxTextBytes
		if err := extractContentText(content, &out); err != nil && !errors.Is(err, ErrLimitExceeded) {
			t.Fatalf("extractContentText: %v", err)
		}
		if int64(len(out.buf)) > out.max {
			t.Fatalf("got %d bytes of text, over %d", len(out.buf), out.max)
		}
	})
}
