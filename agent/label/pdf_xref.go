package label

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// xrefEntry locates one object: in use at a byte offset (type 1), in use
// inside an object stream (type 2), or free (type 0).
type xrefEntry struct {
	kind   int
	offset int64 // type 1: byte offset; type 2: object number of the object stream
	index  int   // type 2: index inside the object stream
	gen    int
}

// pdfDoc is a parsed PDF: its cross-reference information and trailer.
type pdfDoc struct {
	data          []byte
	xref          map[int]xrefEntry
	trailer       *pdfDict // the newest trailer, with Root, Info, ID and Encrypt taken from older ones when it lacks them
	startxref     int64
	xrefIsStream  bool // the newest section is a cross-reference stream
	reconstructed bool // the xref was rebuilt by scanning, because the file's own could not be read
	objStreams    map[int]*objStream
}

// ErrEncryptedPDF is returned for encrypted PDF files, whose information
// dictionary strings cannot be read or written without the key.
var ErrEncryptedPDF = errors.New("encrypted PDF is not supported")

// maxXrefSections bounds the /Prev chain, so a loop of sections ends.
const maxXrefSections = 1024

func parsePDF(data []byte) (*pdfDoc, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data, "\x00\t\n\f\r "), []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header", ErrInvalidPDF)
	}
	doc := &pdfDoc{data: data, xref: map[int]xrefEntry{}, objStreams: map[int]*objStream{}}
	err := doc.loadXrefChain()
	if err != nil {
		// Offsets are often wrong in files that other tools edited, so
		// the objects are found by scanning before giving up.
		doc.xref = map[int]xrefEntry{}
		doc.trailer = nil
		if rerr := doc.reconstruct(); rerr != nil {
			return nil, fmt.Errorf("reading cross-reference table: %w (rebuilding it also failed: %v)", err, rerr)
		}
	}
	if doc.trailer.get("Encrypt") != nil {
		return nil, ErrEncryptedPDF
	}
	return doc, nil
}

var startxrefPattern = regexp.MustCompile(`startxref\s+(\d+)`)

func (d *pdfDoc) findStartxref() (int64, error) {
	i := bytes.LastIndex(d.data, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: startxref not found", ErrInvalidPDF)
	}
	m := startxrefPattern.FindSubmatch(d.data[i:])
	if m == nil {
		return 0, fmt.Errorf("%w: startxref has no offset", ErrInvalidPDF)
	}
	return strconv.ParseInt(string(m[1]), 10, 64)
}

func (d *pdfDoc) loadXrefChain() error {
	offset, err := d.findStartxref()
	if err != nil {
		return err
	}
	d.startxref = offset
	visited := map[int64]bool{}
	for n := 0; ; n++ {
		if n >= maxXrefSections || visited[offset] {
			return fmt.Errorf("%w: /Prev chain loops or exceeds %d sections", ErrInvalidPDF, maxXrefSections)
		}
		visited[offset] = true
		trailer, isStream, err := d.loadSection(offset)
		if err != nil {
			return err
		}
		if n == 0 {
			d.xrefIsStream = isStream
		}
		d.mergeTrailer(trailer)
		prev, ok := trailer.get("Prev").(int64)
		if !ok {
			break
		}
		offset = prev
	}
	if _, ok := d.trailer.get("Root").(pdfRef); !ok {
		return fmt.Errorf("%w: trailer has no /Root reference", ErrInvalidPDF)
	}
	return nil
}

// mergeTrailer keeps the newest trailer and fills in keys it lacks from
// older ones.
func (d *pdfDoc) mergeTrailer(t *pdfDict) {
	if d.trailer == nil {
		d.trailer = newDict()
		for _, k := range t.keys {
			d.trailer.set(k, t.vals[k])
		}
		return
	}
	for _, k := range []pdfName{"Root", "Info", "ID", "Encrypt", "Size"} {
		if d.trailer.get(k) == nil && t.get(k) != nil {
			d.trailer.set(k, t.get(k))
		}
	}
}

// addEntries adds entries that a newer section has not already set.
func (d *pdfDoc) addEntries(entries map[int]xrefEntry) {
	for num, e := range entries {
		if _, ok := d.xref[num]; !ok {
			d.xref[num] = e
		}
	}
}

// loadSection reads the cross-reference section at offset: a classic table
// with its trailer, or a cross-reference stream.
func (d *pdfDoc) loadSection(offset int64) (*pdfDict, bool, error) {
	if offset < 0 || offset >= int64(len(d.data)) {
		return nil, false, fmt.Errorf("%w: cross-reference offset %d is outside the file", ErrInvalidPDF, offset)
	}
	lx := &pdfLexer{data: d.data, pos: int(offset)}
	lx.skipSpace()
	if bytes.HasPrefix(d.data[lx.pos:], []byte("xref")) {
		trailer, err := d.loadTable(lx)
		return trailer, false, err
	}
	dict, err := d.loadXrefStream(int(offset))
	return dict, true, err
}

func (d *pdfDoc) loadTable(lx *pdfLexer) (*pdfDict, error) {
	if err := lx.expect("xref"); err != nil {
		return nil, err
	}
	entries, err := parseTableEntries(lx)
	if err != nil {
		return nil, err
	}
	obj, err := lx.object()
	if err != nil {
		return nil, fmt.Errorf("reading trailer: %w", err)
	}
	trailer, ok := obj.(*pdfDict)
	if !ok {
		return nil, lx.errorf("trailer is not a dictionary")
	}
	// A hybrid file lists some objects only in the stream named by
	// /XRefStm, and those take the place of the table's free entries.
	if stmOffset, ok := trailer.get("XRefStm").(int64); ok {
		if streamEntries, err := d.xrefStreamEntries(int(stmOffset)); err == nil {
			for num, e := range streamEntries {
				if cur, ok := entries[num]; !ok || cur.kind == 0 {
					entries[num] = e
				}
			}
		}
	}
	d.addEntries(entries)
	return trailer, nil
}

func parseTableEntries(lx *pdfLexer) (map[int]xrefEntry, error) {
	entries := map[int]xrefEntry{}
	for {
		lx.skipSpace()
		save := lx.pos
		word := lx.keyword()
		if word == "trailer" {
			return entries, nil
		}
		first, err1 := strconv.Atoi(word)
		lx.skipSpace()
		count, err2 := strconv.Atoi(lx.keyword())
		if err1 != nil || err2 != nil || first < 0 || count < 0 {
			lx.pos = save
			return nil, lx.errorf("invalid cross-reference subsection header")
		}
		for i := 0; i < count; i++ {
			e, err := parseTableEntry(lx)
			if err != nil {
				return nil, err
			}
			entries[first+i] = e
		}
	}
}

func parseTableEntry(lx *pdfLexer) (xrefEntry, error) {
	lx.skipSpace()
	offset, err1 := strconv.ParseInt(lx.keyword(), 10, 64)
	lx.skipSpace()
	gen, err2 := strconv.Atoi(lx.keyword())
	lx.skipSpace()
	kind := lx.keyword()
	if err1 != nil || err2 != nil || (kind != "n" && kind != "f") {
		return xrefEntry{}, lx.errorf("invalid cross-reference entry")
	}
	if kind == "f" {
		return xrefEntry{kind: 0, gen: gen}, nil
	}
	return xrefEntry{kind: 1, offset: offset, gen: gen}, nil
}

var objectHeaderPattern = regexp.MustCompile(`(?m)(?:^|[\s>\]])(\d+)\s+(\d+)\s+obj\b`)

// reconstruct rebuilds the cross-reference table by scanning for
// "N G obj" headers. A later definition of an object replaces an earlier
// one, as an incremental update would. The trailer is the last "trailer"
// dictionary, or the dictionary of the last cross-reference stream.
func (d *pdfDoc) reconstruct() error {
	d.reconstructed = true
	var lastXrefStream *pdfDict
	for _, m := range objectHeaderPattern.FindAllSubmatchIndex(d.data, -1) {
		num, _ := strconv.Atoi(string(d.data[m[2]:m[3]]))
		gen, _ := strconv.Atoi(string(d.data[m[4]:m[5]]))
		d.xref[num] = xrefEntry{kind: 1, offset: int64(m[2]), gen: gen}
		if obj, err := d.objectAt(int64(m[2]), num); err == nil {
			if s, ok := obj.(*pdfStream); ok && s.Dict.get("Type") == pdfName("XRef") {
				lastXrefStream = s.Dict
			}
		}
	}
	if i := bytes.LastIndex(d.data, []byte("trailer")); i >= 0 {
		lx := &pdfLexer{data: d.data, pos: i + len("trailer")}
		if obj, err := lx.object(); err == nil {
			if t, ok := obj.(*pdfDict); ok {
				d.trailer = t
			}
		}
	}
	if d.trailer == nil && lastXrefStream != nil {
		d.trailer = lastXrefStream
	}
	if d.trailer == nil {
		return fmt.Errorf("%w: no trailer found", ErrInvalidPDF)
	}
	if _, ok := d.trailer.get("Root").(pdfRef); !ok {
		return fmt.Errorf("%w: trailer has no /Root reference", ErrInvalidPDF)
	}
	return nil
}
