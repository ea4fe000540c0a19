package inspect

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

const testCard = "4111 1111 1111 1111"

func utf16File(text string, order binary.AppendByteOrder, bom []byte) []byte {
	data := append([]byte{}, bom...)
	for _, u := range utf16.Encode([]rune(text)) {
		data = order.AppendUint16(data, u)
	}
	return data
}

func TestExtractFormats(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		data   []byte
		format Format
	}{
		{"txt", "a.txt", []byte("card " + testCard + "\n"), FormatText},
		{"csv", "a.csv", []byte("name,card\nalice,4111111111111111\n"), FormatCSV},
		{"utf8 bom", "a.txt", append([]byte{0xEF, 0xBB, 0xBF}, "4111111111111111"...), FormatText},
		{"utf16le bom", "a.csv", utf16File("nom;carte\nÉlodie;4111111111111111\n", binary.LittleEndian, []byte{0xFF, 0xFE}), FormatCSV},
		{"utf16be bom", "a.txt", utf16File("carte 4111111111111111 💳", binary.BigEndian, []byte{0xFE, 0xFF}), FormatText},
		{"docx", "a.docx", buildDOCX(t, "Invoice", "Card: "+testCard), FormatDOCX},
		{"docx named txt", "notes.txt", buildDOCX(t, "Card: "+testCard), FormatDOCX},
		{"docx without name", "", buildDOCX(t, testCard), FormatDOCX},
		{"xlsx shared string", "a.xlsx", buildXLSX(t, []string{"card", testCard}, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`), FormatXLSX},
		{"xlsx number", "a.xlsx", buildXLSX(t, nil, `<row r="1"><c r="A1"><v>4111111111111111</v></c></row>`), FormatXLSX},
		{"xlsx exponent", "a.xlsx", buildXLSX(t, nil, `<row r="1"><c r="A1" t="n"><v>4.111111111111111E+15</v></c></row>`), FormatXLSX},
		{"xlsx inline string", "a.xlsx", buildXLSX(t, nil, `<row r="1"><c r="A1" t="inlineStr"><is><t>`+testCard+`</t></is></c></row>`), FormatXLSX},
		{"xlsx formula string", "a.xlsx", buildXLSX(t, nil, `<row r="1"><c r="A1" t="str"><f>A2</f><v>`+testCard+`</v></c></row>`), FormatXLSX},
		{"pptx", "a.pptx", buildPPTX(t, "Title", "Card "+testCard), FormatPPTX},
		{"pdf uncompressed", "a.pdf", buildPDF(t, "BT /F1 12 Tf 72 720 Td (Card: 4111 1111 1111 1111) Tj ET", false), FormatPDF},
		{"pdf flate", "a.pdf", buildPDF(t, "BT /F1 12 Tf 72 720 Td (Card: 4111 1111 1111 1111) Tj ET", true), FormatPDF},
		{"pdf TJ kerning", "x.bin", buildPDF(t, "BT /F1 12 Tf [(Card)-300(41)-5(11 1111 1111 1111)] TJ ET", true), FormatPDF},
		{"pdf hex string", "a.pdf", buildPDF(t, "BT /F1 12 Tf <34313131203131313120313131312031313131> Tj ET", true), FormatPDF},
		{"pdf quote operator", "a.pdf", buildPDF(t, "BT /F1 12 Tf 14 TL (Card:) Tj (4111\\0401111 1111 1111) ' ET", true), FormatPDF},
		{"pdf escapes and nesting", "a.pdf", buildPDF(t, "BT (a \\(b\\) (c) \\\n4111111111111111) Tj ET", true), FormatPDF},
		{"pdf utf16 string", "a.pdf", buildPDF(t, "BT <FEFF0034003100310031003100310031003100310031003100310031003100310031> Tj ET", false), FormatPDF},
		{"pdf inline image", "a.pdf", buildPDF(t, "BI /W 1 /H 1 /BPC 8 /CS /G ID \x00(\xff) EI Q BT (4111111111111111) Tj ET", true), FormatPDF},
		{"pdf junk before header", "a.pdf", append([]byte("junk\n"), buildPDF(t, "BT (4111111111111111) Tj ET", true)...), FormatPDF},
	}
	in := defaultInspector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := inspectBytes(t, in, tt.file, tt.data)
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if r.Format != tt.format {
				t.Errorf("got format %q, want %q", r.Format, tt.format)
			}
			if got := count(r, DetectorCard); got != 1 {
				t.Errorf("got %d cards, want 1 (findings %s)", got, detected(r))
			}
		})
	}
}

func TestExtractDOCXParts(t *testing.T) {
	data := buildOOXML(t, map[string]string{
		"word/document.xml": wordXML("document", "body 536-22-8145"),
		"word/header1.xml":  wordXML("hdr", "header 4242424242424242"),
		"word/footer2.xml":  wordXML("ftr", "footer GB82 WEST 1234 5698 7654 32"),
		"word/comments.xml": wordXML("comments", "comment 5555555555554444"),
		"word/styles.xml":   wordXML("styles", "not text 378282246310005"),
	})
	r, err := inspectBytes(t, defaultInspector(t), "a.docx", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := count(r, DetectorSSN); got != 1 {
		t.Errorf("body SSN: got %d, want 1", got)
	}
	if got := count(r, DetectorCard); got != 2 {
		t.Errorf("header and comment cards: got %d, want 2", got)
	}
	if got := count(r, DetectorIBAN); got != 1 {
		t.Errorf("footer IBAN: got %d, want 1", got)
	}
}

func TestExtractDOCXParagraphs(t *testing.T) {
	// A card split across two paragraphs must not join into one number.
	data := buildDOCX(t, "4111 1111", "1111 1111")
	text := extractedText(t, data)
	if !strings.Contains(text, "4111 1111\n1111 1111\n") {
		t.Errorf("got text %q, want paragraphs on separate lines", text)
	}
	deleted := buildOOXML(t, map[string]string{"word/document.xml": `<w:document ` + wordNS +
		`><w:body><w:p><w:del><w:r><w:delText>4111111111111111</w:delText></w:r></w:del><w:r><w:tab/><w:t>x</w:t><w:br/></w:r></w:p></w:body></w:document>`})
	if got, want := extractedText(t, deleted), "4111111111111111\tx\n\n\n"; got != want {
		t.Errorf("got text %q, want %q", got, want)
	}
}

func extractedText(t *testing.T, data []byte) string {
	t.Helper()
	_, text, err := extract(t.Context(), bytes.NewReader(data), int64(len(data)), "", DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

func TestExtractXLSXCells(t *testing.T) {
	data := buildXLSX(t, []string{"shared"}, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="b"><v>1</v></c>`+
		`<c r="C1"><v>12.5</v></c><c r="D1" t="e"><v>#N/A</v></c></row><row r="2"><c r="A2"><v>1E+3</v></c></row>`)
	if got, want := extractedText(t, data), "shared\n\n\t\t12.5\t\t\n1000\t\n\n"; got != want {
		t.Errorf("got text %q, want %q", got, want)
	}
}

func TestExpandNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4.111111111111111E+15", "4111111111111111"},
		{"4.111111111111111e15", "4111111111111111"},
		{"-1.5E2", "-150"},
		{"1E+3", "1000"},
		{"0E0", "0"},
		{"1.25E1", "1.25E1"},
		{"1.5E-3", "1.5E-3"},
		{"12.5", "12.5"},
		{"1E+999", "1E+999"},
		{"abcE3", "abcE3"},
	}
	for _, tt := range tests {
		if got := string(expandNumber(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("expandNumber(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestExtractPPTXOrder(t *testing.T) {
	slides := make([]string, 11)
	for i := range slides {
		slides[i] = string(rune('a' + i))
	}
	text := extractedText(t, buildPPTX(t, slides...))
	if got, want := strings.Join(strings.Fields(text), ""), "abcdefghijk"; got != want {
		t.Errorf("got slides in order %q, want %q", got, want)
	}
}

func TestExtractPDFSkipsImages(t *testing.T) {
	pdf := []byte("%PDF-1.4\n1 0 obj\n<< /Type /XObject /Subtype /Image /Length 20 >>\nstream\n(4111111111111111) Tj\nendstream\nendobj\n")
	if got := count(inspectOK(t, "a.pdf", pdf), DetectorCard); got != 0 {
		t.Errorf("got %d cards from an image stream, want 0", got)
	}
	chained := []byte("%PDF-1.4\n1 0 obj\n<< /Filter [/ASCII85Decode /FlateDecode] /Length 20 >>\nstream\n(4111111111111111) Tj\nendstream\nendobj\n")
	if got := count(inspectOK(t, "a.pdf", chained), DetectorCard); got != 0 {
		t.Errorf("got %d cards from a stream with a filter chain, want 0", got)
	}
}

func inspectOK(t *testing.T, name string, data []byte) Report {
	t.Helper()
	r, err := inspectBytes(t, defaultInspector(t), name, data)
	if err != nil {
		t.Fatalf("Inspect(%q): %v", name, err)
	}
	return r
}

func TestStreamFilter(t *testing.T) {
	tests := []struct{ dict, want string }{
		{"<< /Length 5 >>", ""},
		{"<< /Filter /FlateDecode /Length 5 >>", "FlateDecode"},
		{"<</Filter/FlateDecode/Length 5>>", "FlateDecode"},
		{"<< /Filter [ /FlateDecode ] >>", "FlateDecode"},
		{"<< /Filter [/FlateDecode/DCTDecode] >>", "unsupported"},
		{"<< /Filter /LZWDecode >>", "LZWDecode"},
	}
	for _, tt := range tests {
		if got := streamFilter([]byte(tt.dict)); got != tt.want {
			t.Errorf("streamFilter(%q): got %q, want %q", tt.dict, got, tt.want)
		}
	}
}

func TestInspectRejectsFormats(t *testing.T) {
	tests := []struct {
		name string
		file string
		data []byte
		want error
	}{
		{"ole2", "a.doc", append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 512)...), ErrUnsupportedFormat},
		{"binary", "a.bin", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), ErrUnsupportedFormat},
		{"plain zip", "a.zip", buildZip(t, zipMember{name: "a.txt", body: []byte(testCard)}), ErrUnsupportedFormat},
		{"other ooxml", "a.vsdx", buildOOXML(t, map[string]string{"visio/document.xml": "<x/>"}), ErrUnsupportedFormat},
		{"encrypted pdf", "a.pdf", []byte("%PDF-1.7\ntrailer << /Root 1 0 R /Encrypt 5 0 R >>\n"), ErrEncrypted},
	}
	in := defaultInspector(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := inspectBytes(t, in, tt.file, tt.data)
			if !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestInspectTextWithNULByName(t *testing.T) {
	data := []byte("a\x00b 4111111111111111")
	r := inspectOK(t, "dump.log", data)
	if got := count(r, DetectorCard); got != 1 {
		t.Errorf("got %d cards, want 1", got)
	}
}

func TestInspectConcurrent(t *testing.T) {
	in := newInspector(t, Config{Cards: true, SSNs: true, IBANs: true,
		Keywords: []KeywordDetector{{ID: "kw", Keywords: []string{"card"}}}})
	files := [][]byte{
		buildDOCX(t, "card "+testCard),
		buildXLSX(t, []string{"card " + testCard}, ""),
		buildPDF(t, "BT (card 4111111111111111) Tj ET", true),
	}
	errs := make(chan error, 8*len(files))
	for range 8 {
		for _, data := range files {
			go func() {
				r, err := in.Inspect(t.Context(), "", bytes.NewReader(data), int64(len(data)))
				if err == nil && (count(r, DetectorCard) != 1 || count(r, "kw") != 1) {
					err = errors.New("got findings " + detected(r) + ", want one card and one keyword")
				}
				errs <- err
			}()
		}
	}
	for range 8 * len(files) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
