package label

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// maxDecodedStream bounds a decoded stream, so a compression bomb cannot
// exhaust memory. XMP packets and cross-reference streams are far smaller.
const maxDecodedStream = 64 << 20

// maxResolveDepth bounds chains of references followed to read one value.
const maxResolveDepth = 32

// objectAt parses the indirect object "num gen obj ... endobj" at offset.
func (d *pdfDoc) objectAt(offset int64, wantNum int) (any, error) {
	if offset < 0 || offset >= int64(len(d.data)) {
		return nil, fmt.Errorf("%w: object %d offset %d is outside the file", ErrInvalidPDF, wantNum, offset)
	}
	lx := &pdfLexer{data: d.data, pos: int(offset)}
	lx.skipSpace()
	num, err := lx.scalar()
	if err != nil {
		return nil, err
	}
	if n, ok := num.(int64); !ok || int(n) != wantNum {
		return nil, lx.errorf("object %d not found at offset %d", wantNum, offset)
	}
	lx.skipSpace()
	lx.keyword() // generation
	if err := lx.expect("obj"); err != nil {
		return nil, err
	}

	obj, err := lx.object()
	if err != nil {
		return nil, err
	}
	dict, ok := obj.(*pdfDict)
	if !ok {
		return obj, nil
	}
	lx.skipSpace()
	if !bytes.HasPrefix(d.data[lx.pos:], []byte("stream")) {
		return dict, nil
	}
	raw, err := d.streamData(lx, dict)
	if err != nil {
		return nil, err
	}
	return &pdfStream{Dict: dict, Raw: raw}, nil
}

// streamData returns the bytes between "stream" and "endstream". When
// /Length is missing or wrong, the data runs to the next "endstream".
func (d *pdfDoc) streamData(lx *pdfLexer, dict *pdfDict) ([]byte, error) {
	lx.pos += len("stream")
	if lx.pos < len(d.data) && d.data[lx.pos] == '\r' {
		lx.pos++
	}
	if lx.pos < len(d.data) && d.data[lx.pos] == '\n' {
		lx.pos++
	}
	start := lx.pos
	if n, ok := d.lengthOf(dict); ok && n >= 0 && start+n <= len(d.data) {
		rest := bytes.TrimLeft(d.data[start+n:], "\x00\t\n\f\r ")
		if bytes.HasPrefix(rest, []byte("endstream")) {
			return d.data[start : start+n], nil
		}
	}
	end := bytes.Index(d.data[start:], []byte("endstream"))
	if end < 0 {
		return nil, lx.errorf("stream has no endstream")
	}
	return bytes.TrimRight(d.data[start:start+end], "\r\n"), nil
}

// lengthOf reads /Length, following a reference unless the object it names
// lies in an object stream, which would need this stream to be read first.
func (d *pdfDoc) lengthOf(dict *pdfDict) (int, bool) {
	switch v := dict.get("Length").(type) {
	case int64:
		return int(v), true
	case pdfRef:
		e, ok := d.xref[v.Num]
		if !ok || e.kind != 1 {
			return 0, false
		}
		obj, err := d.objectAt(e.offset, v.Num)
		if n, ok := obj.(int64); err == nil && ok {
			return int(n), true
		}
	}
	return 0, false
}

// resolve follows references until it reaches a direct object. A reference
// to a missing or free object is null, as the PDF format specifies.
func (d *pdfDoc) resolve(v any) (any, error) {
	for i := 0; i < maxResolveDepth; i++ {
		ref, ok := v.(pdfRef)
		if !ok {
			return v, nil
		}
		obj, err := d.load(ref)
		if err != nil {
			return nil, err
		}
		v = obj
	}
	return nil, fmt.Errorf("%w: more than %d chained references", ErrInvalidPDF, maxResolveDepth)
}

func (d *pdfDoc) load(ref pdfRef) (any, error) {
	e, ok := d.xref[ref.Num]
	switch {
	case !ok || e.kind == 0:
		return nil, nil
	case e.kind == 1:
		return d.objectAt(e.offset, ref.Num)
	default:
		return d.compressedObject(int(e.offset), e.index, ref.Num)
	}
}

// resolveDict resolves v and returns it as a dictionary; a stream gives its
// dictionary. Anything else is nil.
func (d *pdfDoc) resolveDict(v any) (*pdfDict, error) {
	obj, err := d.resolve(v)
	if err != nil {
		return nil, err
	}
	switch x := obj.(type) {
	case *pdfDict:
		return x, nil
	case *pdfStream:
		return x.Dict, nil
	}
	return nil, nil
}

// decodeStream applies the stream's filters. Only FlateDecode, with or
// without PNG or TIFF predictors, is supported because it is the only
// filter that metadata and cross-reference streams use in practice.
func (d *pdfDoc) decodeStream(s *pdfStream) ([]byte, error) {
	filters, err := d.resolve(s.Dict.get("Filter"))
	if err != nil {
		return nil, err
	}
	var names []pdfName
	switch f := filters.(type) {
	case nil:
	case pdfName:
		names = []pdfName{f}
	case pdfArray:
		for _, x := range f {
			if n, ok := x.(pdfName); ok {
				names = append(names, n)
			}
		}
	}
	data := s.Raw
	for i, name := range names {
		if name != "FlateDecode" && name != "Fl" {
			return nil, fmt.Errorf("%w: stream filter /%s is not supported", ErrInvalidPDF, name)
		}
		if data, err = inflate(data); err != nil {
			return nil, err
		}
		parms, err := d.decodeParms(s.Dict, i)
		if err != nil {
			return nil, err
		}
		if data, err = unpredict(data, parms); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func (d *pdfDoc) decodeParms(dict *pdfDict, i int) (*pdfDict, error) {
	v, err := d.resolve(dict.get("DecodeParms"))
	if err != nil {
		return nil, err
	}
	if arr, ok := v.(pdfArray); ok {
		if i >= len(arr) {
			return nil, nil
		}
		v, err = d.resolve(arr[i])
		if err != nil {
			return nil, err
		}
	}
	parms, _ := v.(*pdfDict)
	return parms, nil
}

func inflate(data []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: inflating stream: %v", ErrInvalidPDF, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxDecodedStream+1))
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("%w: inflating stream: %v", ErrInvalidPDF, err)
	}
	if len(out) > maxDecodedStream {
		return nil, fmt.Errorf("%w: decoded stream is larger than %d bytes", ErrInvalidPDF, maxDecodedStream)
	}
	return out, nil
}

func intParam(parms *pdfDict, key pdfName, def int) int {
	if v, ok := parms.get(key).(int64); ok {
		return int(v)
	}
	return def
}

// unpredict reverses a PNG (10-15) or TIFF (2) predictor. Only the PNG
// predictors with 8-bit components, which cross-reference streams use, and
// no predictor are supported.
func unpredict(data []byte, parms *pdfDict) ([]byte, error) {
	predictor := intParam(parms, "Predictor", 1)
	if predictor == 1 {
		return data, nil
	}
	if predictor < 10 || intParam(parms, "BitsPerComponent", 8) != 8 {
		return nil, fmt.Errorf("%w: predictor %d is not supported", ErrInvalidPDF, predictor)
	}
	bpp := intParam(parms, "Colors", 1)
	columns := intParam(parms, "Columns", 1)
	rowLen := bpp * columns
	if bpp < 1 || columns < 1 || rowLen > 1<<20 {
		return nil, fmt.Errorf("%w: invalid predictor parameters", ErrInvalidPDF)
	}
	prev := make([]byte, rowLen)
	var out []byte
	for len(data) >= rowLen+1 {
		kind, row := data[0], data[1:rowLen+1]
		data = data[rowLen+1:]
		cur := make([]byte, rowLen)
		for i := range row {
			var left, upLeft byte
			if i >= bpp {
				left, upLeft = cur[i-bpp], prev[i-bpp]
			}
			cur[i] = row[i] + pngPredict(kind, left, prev[i], upLeft)
		}
		out = append(out, cur...)
		prev = cur
	}
	return out, nil
}

func pngPredict(kind, left, up, upLeft byte) byte {
	switch kind {
	case 1:
		return left
	case 2:
		return up
	case 3:
		return byte((int(left) + int(up)) / 2)
	case 4:
		p := int(left) + int(up) - int(upLeft)
		pa, pb, pc := abs(p-int(left)), abs(p-int(up)), abs(p-int(upLeft))
		if pa <= pb && pa <= pc {
			return left
		}
		if pb <= pc {
			return up
		}
		return upLeft
	}
	return 0
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
