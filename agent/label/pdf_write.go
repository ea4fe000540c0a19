package label

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
)

// ErrDamagedPDF is returned when a PDF whose cross-reference information had
// to be rebuilt is written, because an incremental update needs a valid
// /Prev offset.
var ErrDamagedPDF = errors.New("PDF cross-reference table is damaged")

// WritePDF writes src unchanged, followed by an incremental update that sets
// l as the label of its tenant. The update holds a new information
// dictionary with the MSIP_Label_* keys and, when the catalog has XMP
// metadata, a new version of that stream. Its cross-reference section has a
// /Prev entry that points at the previous section.
func WritePDF(dst io.Writer, src []byte, l Label) error {
	l, err := normalizeForWrite(l)
	if err != nil {
		return err
	}
	doc, err := parsePDF(src)
	if err != nil {
		return err
	}
	if doc.reconstructed {
		return ErrDamagedPDF
	}
	update, err := buildPDFUpdate(doc, l)
	if err != nil {
		return err
	}
	if _, err := dst.Write(src); err != nil {
		return fmt.Errorf("writing PDF: %w", err)
	}
	if _, err := dst.Write(update); err != nil {
		return fmt.Errorf("writing PDF update: %w", err)
	}
	return nil
}

// pdfUpdate collects the objects of an incremental update.
type pdfUpdate struct {
	base    int64 // offset of the update in the file
	buf     bytes.Buffer
	offsets map[int]int64
	gens    map[int]int
	nextNum int
}

func buildPDFUpdate(doc *pdfDoc, l Label) ([]byte, error) {
	u := &pdfUpdate{base: int64(len(doc.data)), offsets: map[int]int64{}, gens: map[int]int{}, nextNum: doc.nextObjectNumber()}
	if n := len(doc.data); n > 0 && doc.data[n-1] != '\n' && doc.data[n-1] != '\r' {
		u.buf.WriteByte('\n')
	}

	info, err := doc.labeledInfo(l)
	if err != nil {
		return nil, err
	}
	infoNum := u.nextNum
	u.nextNum++
	u.writeObject(infoNum, 0, info, nil)

	if err := u.updateXMP(doc, l); err != nil {
		return nil, err
	}

	trailer := newDict()
	trailer.set("Root", doc.trailer.get("Root"))
	trailer.set("Info", pdfRef{infoNum, 0})
	if id := doc.trailer.get("ID"); id != nil {
		trailer.set("ID", id)
	}
	trailer.set("Prev", doc.startxref)
	if doc.xrefIsStream {
		u.writeXrefStream(trailer)
	} else {
		u.writeXrefTable(trailer)
	}
	return u.buf.Bytes(), nil
}

func (d *pdfDoc) nextObjectNumber() int {
	next := 1
	if size, ok := d.trailer.get("Size").(int64); ok && size > 0 {
		next = int(size)
	}
	for num := range d.xref {
		if num >= next {
			next = num + 1
		}
	}
	return next
}

// labeledInfo returns a copy of the information dictionary in which the
// MSIP_Label_* keys of l's tenant and label GUID are replaced by l's.
func (d *pdfDoc) labeledInfo(l Label) (*pdfDict, error) {
	old, err := d.infoDict()
	if err != nil {
		return nil, err
	}
	set, err := d.infoSet()
	if err != nil {
		return nil, err
	}
	stale := set.guidsOfTenant(l.TenantID)
	stale[l.ID] = true

	info := newDict()
	if old != nil {
		for _, k := range old.keys {
			if guid, _, ok := parseMSIPKey(string(k)); ok && stale[guid] {
				continue
			}
			v, err := d.resolve(old.vals[k])
			if err != nil {
				return nil, fmt.Errorf("reading information dictionary entry /%s: %w", k, err)
			}
			if _, isStream := v.(*pdfStream); isStream {
				v = old.vals[k] // a stream stays where it is, by reference
			}
			info.set(k, v)
		}
	}
	if !l.Removed {
		for _, kv := range msipKeyValues(l) {
			info.set(pdfName(kv[0]), encodeText(kv[1]))
		}
	}
	return info, nil
}

// writeObject appends "num gen obj ... endobj"; a non-nil stream body turns
// the dictionary into a stream dictionary.
func (u *pdfUpdate) writeObject(num, gen int, dict *pdfDict, stream []byte) {
	u.offsets[num] = u.base + int64(u.buf.Len())
	u.gens[num] = gen
	fmt.Fprintf(&u.buf, "%d %d obj\n", num, gen)
	serialize(&u.buf, dict)
	if stream != nil {
		u.buf.WriteString("\nstream\n")
		u.buf.Write(stream)
		u.buf.WriteString("\nendstream")
	}
	u.buf.WriteString("\nendobj\n")
}

// updateXMP rewrites the catalog's XMP stream under its own object number,
// so the catalog need not change.
// NOTE: a PDF without XMP metadata gets none, because adding it would mean
// rewriting the catalog.
func (u *pdfUpdate) updateXMP(doc *pdfDoc, l Label) error {
	xmp, ref, err := doc.metadata()
	if err != nil || xmp == nil {
		return err
	}
	set, err := parseXMPLabels(xmp)
	if err != nil {
		// Metadata that is not well-formed XML is left as it is.
		return nil
	}
	stale := set.guidsOfTenant(l.TenantID)
	stale[l.ID] = true
	updated, ok := setXMPLabels(xmp, l, stale)
	if !ok {
		return nil
	}

	old, err := doc.resolveDict(ref)
	if err != nil {
		return err
	}
	dict := newDict()
	for _, k := range old.keys {
		switch k {
		case "Filter", "DecodeParms", "Length", "DL":
			continue
		}
		dict.set(k, old.vals[k])
	}
	dict.set("Length", int64(len(updated)))
	u.writeObject(ref.Num, ref.Gen, dict, updated)
	return nil
}

func (u *pdfUpdate) sortedNums() []int {
	nums := make([]int, 0, len(u.offsets))
	for n := range u.offsets {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	return nums
}

// subsections groups sorted object numbers into runs of consecutive numbers.
func subsections(nums []int) [][]int {
	var out [][]int
	for i, n := range nums {
		if i == 0 || n != nums[i-1]+1 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], n)
	}
	return out
}

func (u *pdfUpdate) writeXrefTable(trailer *pdfDict) {
	xrefOffset := u.base + int64(u.buf.Len())
	trailer.set("Size", int64(u.nextNum))
	u.buf.WriteString("xref\n")
	for _, run := range subsections(u.sortedNums()) {
		fmt.Fprintf(&u.buf, "%d %d\n", run[0], len(run))
		for _, n := range run {
			fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.offsets[n], u.gens[n])
		}
	}
	u.buf.WriteString("trailer\n")
	serialize(&u.buf, trailer)
	fmt.Fprintf(&u.buf, "\nstartxref\n%d\n%%%%EOF\n", xrefOffset)
}

// writeXrefStream writes the new section as a cross-reference stream, for
// files whose newest section is one, with rows of type, offset and
// generation fields.
func (u *pdfUpdate) writeXrefStream(trailer *pdfDict) {
	num := u.nextNum
	u.nextNum++
	xrefOffset := u.base + int64(u.buf.Len())
	u.offsets[num] = xrefOffset
	u.gens[num] = 0

	width := 1
	for xrefOffset >= 1<<(8*width) {
		width++
	}
	var rows bytes.Buffer
	var index pdfArray
	for _, run := range subsections(u.sortedNums()) {
		index = append(index, int64(run[0]), int64(len(run)))
		for _, n := range run {
			rows.WriteByte(1)
			writeBigEndian(&rows, uint64(u.offsets[n]), width)
			writeBigEndian(&rows, uint64(u.gens[n]), 2)
		}
	}
	dict := newDict()
	dict.set("Type", pdfName("XRef"))
	dict.set("Size", int64(u.nextNum))
	dict.set("W", pdfArray{int64(1), int64(width), int64(2)})
	dict.set("Index", index)
	for _, k := range trailer.keys {
		dict.set(k, trailer.vals[k])
	}
	dict.set("Length", int64(rows.Len()))
	u.writeObject(num, 0, dict, rows.Bytes())
	fmt.Fprintf(&u.buf, "startxref\n%d\n%%%%EOF\n", xrefOffset)
}

func writeBigEndian(b *bytes.Buffer, v uint64, width int) {
	for i := width - 1; i >= 0; i-- {
		b.WriteByte(byte(v >> (8 * i)))
	}
}
