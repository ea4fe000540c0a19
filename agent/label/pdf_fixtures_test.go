package label

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"sort"
)

// pdfBuilder writes PDF fixtures with correct cross-reference offsets.
type pdfBuilder struct {
	buf     bytes.Buffer
	offsets map[int]int
	prev    int // offset of the previous section, -1 for none
}

func newPDFBuilder() *pdfBuilder {
	b := &pdfBuilder{offsets: map[int]int{}, prev: -1}
	b.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return b
}

func (b *pdfBuilder) obj(num int, body string) *pdfBuilder {
	b.offsets[num] = b.buf.Len()
	fmt.Fprintf(&b.buf, "%d 0 obj\n%s\nendobj\n", num, body)
	return b
}

func (b *pdfBuilder) stream(num int, dict string, data []byte) *pdfBuilder {
	b.offsets[num] = b.buf.Len()
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	b.buf.Write(data)
	b.buf.WriteString("\nendstream\nendobj\n")
	return b
}

func (b *pdfBuilder) sortedNums() []int {
	var nums []int
	for n := range b.offsets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// table ends a section with a classic xref table holding the objects
// written since the previous section, one subsection per object.
func (b *pdfBuilder) table(trailer string) *pdfBuilder {
	start := b.buf.Len()
	b.buf.WriteString("xref\n0 1\n0000000000 65535 f\r\n")
	for _, n := range b.sortedNums() {
		fmt.Fprintf(&b.buf, "%d 1\n%010d 00000 n\r\n", n, b.offsets[n])
	}
	prev := ""
	if b.prev >= 0 {
		prev = fmt.Sprintf(" /Prev %d", b.prev)
	}
	fmt.Fprintf(&b.buf, "trailer\n<< %s%s >>\nstartxref\n%d\n%%%%EOF\n", trailer, prev, start)
	b.prev = start
	b.offsets = map[int]int{}
	return b
}

// xrefStream ends a section with a compressed cross-reference stream as
// object num. compressed maps object numbers inside object streams to
// [stream number, index].
func (b *pdfBuilder) xrefStream(num int, trailer string, compressed map[int][2]int, predictor bool) *pdfBuilder {
	start := b.buf.Len()
	b.offsets[num] = start
	rows := map[int][]byte{}
	for n, off := range b.offsets {
		rows[n] = []byte{1, byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off), 0}
	}
	for n, loc := range compressed {
		rows[n] = []byte{2, 0, 0, byte(loc[0] >> 8), byte(loc[0]), byte(loc[1])}
	}

	var nums []int
	for n := range rows {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	var raw bytes.Buffer
	var index string
	prevRow := make([]byte, 6)
	for _, n := range nums {
		index += fmt.Sprintf("%d 1 ", n)
		if predictor {
			raw.WriteByte(2) // PNG Up
			for i, c := range rows[n] {
				raw.WriteByte(c - prevRow[i])
			}
			prevRow = rows[n]
		} else {
			raw.Write(rows[n])
		}
	}

	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	parms := ""
	if predictor {
		parms = " /DecodeParms << /Predictor 12 /Columns 6 >>"
	}
	prev := ""
	if b.prev >= 0 {
		prev = fmt.Sprintf(" /Prev %d", b.prev)
	}
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< /Type /XRef /W [1 4 1] /Index [%s] /Filter /FlateDecode%s %s%s /Length %d >>\nstream\n",
		num, index, parms, trailer, prev, z.Len())
	b.buf.Write(z.Bytes())
	fmt.Fprintf(&b.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	b.prev = start
	b.offsets = map[int]int{}
	return b
}

func (b *pdfBuilder) bytes() []byte { return bytes.Clone(b.buf.Bytes()) }

const (
	catalogObj = "<< /Type /Catalog /Pages 2 0 R >>"
	pagesObj   = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	pageObj    = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"
)

// infoObj returns an information dictionary with the MSIP keys of a label.
func infoObj(id, tenant, enabled, name string) string {
	p := "/MSIP_Label_" + id + "_"
	return fmt.Sprintf("<< /Producer (fixture) %sEnabled (%s) %sSiteId (%s) %sMethod (Standard) %sName (%s) %sContentBits (0) >>",
		p, enabled, p, tenant, p, p, name, p)
}

func simplePDF(info string) []byte {
	b := newPDFBuilder().obj(1, catalogObj).obj(2, pagesObj).obj(3, pageObj)
	if info == "" {
		return b.table("/Size 4 /Root 1 0 R").bytes()
	}
	return b.obj(4, info).table("/Size 5 /Root 1 0 R /Info 4 0 R").bytes()
}

func xmpPacket(body string) []byte {
	return []byte(`<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
		`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format></rdf:Description>` +
		body + `</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`)
}

func xmpLabel(id, tenant, enabled string) string {
	p := "pdfx:MSIP_Label_" + id + "_"
	return `<rdf:Description rdf:about="" xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/">` +
		"<" + p + "Enabled>" + enabled + "</" + p + "Enabled>" +
		"<" + p + "SiteId>" + tenant + "</" + p + "SiteId>" +
		"<" + p + "Method>Standard</" + p + "Method></rdf:Description>"
}

func deflate(data []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	return z.Bytes()
}
