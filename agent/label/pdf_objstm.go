package label

import (
	"fmt"
	"strconv"
)

// loadXrefStream reads the cross-reference stream at offset and returns its
// dictionary, which also serves as the trailer.
func (d *pdfDoc) loadXrefStream(offset int) (*pdfDict, error) {
	s, entries, err := d.parseXrefStream(offset)
	if err != nil {
		return nil, err
	}
	d.addEntries(entries)
	return s.Dict, nil
}

func (d *pdfDoc) xrefStreamEntries(offset int) (map[int]xrefEntry, error) {
	_, entries, err := d.parseXrefStream(offset)
	return entries, err
}

func (d *pdfDoc) parseXrefStream(offset int) (*pdfStream, map[int]xrefEntry, error) {
	lx := &pdfLexer{data: d.data, pos: offset}
	lx.skipSpace()
	save := lx.pos
	n, err := strconv.Atoi(lx.keyword())
	if err != nil {
		return nil, nil, lx.errorf("no cross-reference table or stream at offset %d", offset)
	}
	obj, err := d.objectAt(int64(save), n)
	if err != nil {
		return nil, nil, err
	}
	s, ok := obj.(*pdfStream)
	if !ok || s.Dict.get("Type") != pdfName("XRef") {
		return nil, nil, fmt.Errorf("%w: object at offset %d is not a cross-reference stream", ErrInvalidPDF, offset)
	}
	data, err := d.decodeStream(s)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding cross-reference stream: %w", err)
	}
	entries, err := xrefStreamTable(s.Dict, data)
	return s, entries, err
}

// xrefStreamTable decodes the rows of a cross-reference stream, whose
// field widths are /W and whose object ranges are /Index.
func xrefStreamTable(dict *pdfDict, data []byte) (map[int]xrefEntry, error) {
	widths, ok := dict.get("W").(pdfArray)
	if !ok || len(widths) != 3 {
		return nil, fmt.Errorf("%w: cross-reference stream /W is not three integers", ErrInvalidPDF)
	}
	var w [3]int
	for i, v := range widths {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 8 {
			return nil, fmt.Errorf("%w: cross-reference stream /W has an invalid width", ErrInvalidPDF)
		}
		w[i] = int(n)
	}
	rowLen := w[0] + w[1] + w[2]
	if rowLen == 0 {
		return nil, fmt.Errorf("%w: cross-reference stream rows are empty", ErrInvalidPDF)
	}
	index, err := xrefIndex(dict)
	if err != nil {
		return nil, err
	}

	entries := map[int]xrefEntry{}
	row := 0
	for i := 0; i+1 < len(index); i += 2 {
		for num := index[i]; num < index[i]+index[i+1]; num++ {
			if (row+1)*rowLen > len(data) {
				return entries, nil
			}
			fields := data[row*rowLen : (row+1)*rowLen]
			row++
			kind := 1
			if w[0] > 0 {
				kind = int(beUint(fields[:w[0]]))
			}
			f2 := beUint(fields[w[0] : w[0]+w[1]])
			f3 := beUint(fields[w[0]+w[1]:])
			switch kind {
			case 0:
				entries[num] = xrefEntry{kind: 0}
			case 1:
				entries[num] = xrefEntry{kind: 1, offset: int64(f2), gen: int(f3)}
			case 2:
				entries[num] = xrefEntry{kind: 2, offset: int64(f2), index: int(f3)}
			}
		}
	}
	return entries, nil
}

func xrefIndex(dict *pdfDict) ([]int, error) {
	arr, ok := dict.get("Index").(pdfArray)
	if !ok {
		size, ok := dict.get("Size").(int64)
		if !ok {
			return nil, fmt.Errorf("%w: cross-reference stream has no /Size", ErrInvalidPDF)
		}
		return []int{0, int(size)}, nil
	}
	var out []int
	for _, v := range arr {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 1<<24 {
			return nil, fmt.Errorf("%w: cross-reference stream /Index is invalid", ErrInvalidPDF)
		}
		out = append(out, int(n))
	}
	return out, nil
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// objStream is a decoded object stream: object numbers and offsets of its
// objects within data.
type objStream struct {
	data    []byte
	first   int
	nums    []int
	offsets []int
}

func (d *pdfDoc) compressedObject(streamNum, index, wantNum int) (any, error) {
	stm, err := d.objStream(streamNum)
	if err != nil {
		return nil, fmt.Errorf("reading object stream %d: %w", streamNum, err)
	}
	if index < 0 || index >= len(stm.nums) || stm.nums[index] != wantNum {
		return nil, fmt.Errorf("%w: object %d is not at index %d of object stream %d", ErrInvalidPDF, wantNum, index, streamNum)
	}
	lx := &pdfLexer{data: stm.data, pos: stm.first + stm.offsets[index]}
	return lx.object()
}

func (d *pdfDoc) objStream(num int) (*objStream, error) {
	if stm, ok := d.objStreams[num]; ok {
		return stm, nil
	}
	e, ok := d.xref[num]
	if !ok || e.kind != 1 {
		return nil, fmt.Errorf("%w: object stream %d is not in the cross-reference table", ErrInvalidPDF, num)
	}
	obj, err := d.objectAt(e.offset, num)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*pdfStream)
	if !ok {
		return nil, fmt.Errorf("%w: object %d is not a stream", ErrInvalidPDF, num)
	}
	data, err := d.decodeStream(s)
	if err != nil {
		return nil, err
	}
	stm, err := parseObjStreamHeader(s.Dict, data)
	if err != nil {
		return nil, err
	}
	d.objStreams[num] = stm
	return stm, nil
}

func parseObjStreamHeader(dict *pdfDict, data []byte) (*objStream, error) {
	n, ok1 := dict.get("N").(int64)
	first, ok2 := dict.get("First").(int64)
	if !ok1 || !ok2 || n < 0 || first < 0 || int(first) > len(data) {
		return nil, fmt.Errorf("%w: object stream /N or /First is invalid", ErrInvalidPDF)
	}
	stm := &objStream{data: data, first: int(first)}
	lx := &pdfLexer{data: data[:first]}
	for i := 0; i < int(n); i++ {
		lx.skipSpace()
		num, err1 := strconv.Atoi(lx.keyword())
		lx.skipSpace()
		off, err2 := strconv.Atoi(lx.keyword())
		if err1 != nil || err2 != nil || off < 0 || int(first)+off > len(data) {
			return nil, fmt.Errorf("%w: object stream header entry %d is invalid", ErrInvalidPDF, i)
		}
		stm.nums = append(stm.nums, num)
		stm.offsets = append(stm.offsets, off)
	}
	return stm, nil
}
