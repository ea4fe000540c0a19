package inspect

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

var benchWords = strings.Fields(`the of and to in is for on that with as by at from this be are was
invoice order payment customer account report total amount balance shipping delivery service
please attached find below regards team project meeting schedule update review approved pending
quarter revenue budget forecast contract renewal support ticket issue resolved client vendor
Monday Tuesday January March Berlin London Paris Acme Globex Initech EU USA CEO CFO VAT IBAN SKU`)

// corpusWriter generates realistic text: sentences of words with prices,
// dates, times, quantities, epoch timestamps, phone numbers, order ids and,
// about once per 4 KiB, a card number, SSN or IBAN.
type corpusWriter struct {
	rng *rand.Rand
	b   *bytes.Buffer
}

var benchMatches = []string{
	"4111 1111 1111 1111", "5555555555554444", "378282246310005", "536-22-8145",
	"GB82 WEST 1234 5698 7654 32", "DE89370400440532013000",
}

func (w corpusWriter) token() {
	switch n := w.rng.IntN(100); {
	case n < 80:
		w.b.WriteString(benchWords[w.rng.IntN(len(benchWords))])
	case n < 84:
		fmt.Fprintf(w.b, "%d.%02d", w.rng.IntN(10000), w.rng.IntN(100))
	case n < 88:
		fmt.Fprintf(w.b, "%d", w.rng.IntN(1000))
	case n < 91:
		fmt.Fprintf(w.b, "2024-%02d-%02d", 1+w.rng.IntN(12), 1+w.rng.IntN(28))
	case n < 93:
		fmt.Fprintf(w.b, "%02d:%02d:%02d", w.rng.IntN(24), w.rng.IntN(60), w.rng.IntN(60))
	case n < 95:
		fmt.Fprintf(w.b, "%d", 1500000000000+w.rng.Int64N(300000000000))
	case n < 97:
		fmt.Fprintf(w.b, "+1 %03d-%03d-%04d", 200+w.rng.IntN(800), w.rng.IntN(1000), w.rng.IntN(10000))
	default:
		fmt.Fprintf(w.b, "ORD-%06d", w.rng.IntN(1000000))
	}
}

func generateCorpus(size int, seed uint64) []byte {
	w := corpusWriter{rng: rand.New(rand.NewPCG(seed, 1)), b: &bytes.Buffer{}}
	w.b.Grow(size + 1024)
	for w.b.Len() < size {
		words := 6 + w.rng.IntN(14)
		for i := range words {
			if i > 0 {
				w.b.WriteByte(' ')
			}
			if w.rng.IntN(700) == 0 {
				w.b.WriteString(benchMatches[w.rng.IntN(len(benchMatches))])
				continue
			}
			w.token()
		}
		w.b.WriteString(".\n"[w.rng.IntN(2):])
		w.b.WriteByte(' ')
	}
	return w.b.Bytes()[:size]
}

var (
	corpusOnce sync.Once
	corpus     []byte
	docxOnce   sync.Once
	docxFile   []byte
	docxXML    int // uncompressed size of word/document.xml
)

func benchCorpus() []byte {
	corpusOnce.Do(func() { corpus = generateCorpus(100<<20, 7) })
	return corpus
}

// benchDOCX builds a docx of about 20 MB: paragraphs of generated text, each
// split into runs with formatting, as Word writes them.
func benchDOCX(b *testing.B) []byte {
	docxOnce.Do(func() {
		text := generateCorpus(48<<20, 11)
		var x bytes.Buffer
		fmt.Fprintf(&x, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document %s><w:body>`, wordNS)
		for _, line := range bytes.Split(text, []byte("\n")) {
			x.WriteString("<w:p>")
			for len(line) > 0 {
				n := min(200, len(line))
				fmt.Fprintf(&x, `<w:r><w:rPr><w:rFonts w:ascii="Calibri"/><w:sz w:val="22"/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`, html.EscapeString(string(line[:n])))
				line = line[n:]
			}
			x.WriteString("</w:p>")
		}
		x.WriteString(`</w:body></w:document>`)
		docxXML = x.Len()
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range map[string][]byte{"[Content_Types].xml": []byte(contentTypes), "word/document.xml": x.Bytes()} {
			f, err := zw.Create(name)
			if err != nil {
				panic(err)
			}
			f.Write(body)
		}
		zw.Close()
		docxFile = buf.Bytes()
	})
	return docxFile
}

func BenchmarkScanText(b *testing.B) {
	text := benchCorpus()
	in := defaultInspector(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		in.ScanText(text)
	}
}

func BenchmarkScanTextWithCustom(b *testing.B) {
	text := benchCorpus()
	cfg := DefaultConfig()
	cfg.Keywords = []KeywordDetector{{ID: "label", Keywords: []string{"confidential", "top secret", "internal only"}}}
	cfg.Patterns = []PatternDetector{{ID: "project", Pattern: `PRJ-[0-9]{5}`}}
	in := newInspector(b, cfg)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		in.ScanText(text)
	}
}

func BenchmarkInspectDOCX(b *testing.B) {
	data := benchDOCX(b)
	in := defaultInspector(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := in.Inspect(context.Background(), "bench.docx", bytes.NewReader(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(docxXML)/1e6*float64(b.N)/b.Elapsed().Seconds(), "xml-MB/s")
}

func TestBenchCorpusHasMatches(t *testing.T) {
	text := generateCorpus(1<<20, 7)
	r := defaultInspector(t).ScanText(text)
	for _, id := range []string{DetectorCard, DetectorSSN, DetectorIBAN} {
		if count(r, id) == 0 {
			t.Errorf("%s: got no matches in 1 MiB of corpus, want some", id)
		}
	}
	if count(r, DetectorCard) > 1000 {
		t.Errorf("got %d cards in 1 MiB, want the generated ones only (timestamps or phone numbers matched?)", count(r, DetectorCard))
	}
}
