package inspect

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
)

// dictWindow is how far before a "stream" keyword extractPDF looks for the
// object's dictionary.
const dictWindow = 64 << 10

// extractPDF finds the streams of a PDF by scanning for the stream and
// endstream keywords, inflates those that are uncompressed or FlateDecode,
// and takes the text shown by their text operators. Scanning the bytes in
// place of following the cross-reference table also reads damaged files
// and earlier revisions of updated ones.
//
// NOTE: this is best effort. Encrypted files are rejected. Streams with
// other filters (LZW, ASCII85, DCT, filter chains) or predictors are
// skipped. Strings are taken as bytes, which is right for simple fonts
// with standard encodings but yields glyph ids for composite (CID) fonts
// such as Identity-H, because ToUnicode maps are not applied. Text in
// annotations, form fields and embedded files is not extracted.
func extractPDF(ctx context.Context, r io.ReaderAt, size int64, lim Limits, out *textBuffer) error {
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return fmt.Errorf("reading PDF: %w", err)
	}
	if bytes.Contains(data, []byte("/Encrypt")) {
		return fmt.Errorf("%w: PDF with an /Encrypt dictionary", ErrEncrypted)
	}
	var total int64
	streams := 0
	for pos := 0; ; {
		s, ok := nextStream(data, pos)
		if !ok {
			return nil
		}
		pos = s.next
		streams++
		if streams > lim.MaxPDFStreams {
			return limitError("MaxPDFStreams", int64(lim.MaxPDFStreams), "PDF with more streams")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		content, err := decodeStream(s, lim, &total)
		if err != nil {
			return err
		}
		if err := extractContentText(content, out); err != nil {
			return err
		}
	}
}

// pdfStream is one stream found in the file.
type pdfStream struct {
	offset int    // offset of the stream data in the file
	dict   []byte // text between "obj" and "stream"
	data   []byte // raw bytes up to "endstream"
	next   int    // offset at which the search for the next stream resumes
}

func nextStream(data []byte, pos int) (pdfStream, bool) {
	for {
		k := bytes.Index(data[pos:], []byte("stream"))
		if k < 0 {
			return pdfStream{}, false
		}
		at := pos + k
		pos = at + len("stream")
		if at >= 3 && string(data[at-3:at]) == "end" {
			continue
		}
		start := pos
		if start < len(data) && data[start] == '\r' {
			start++
		}
		if start < len(data) && data[start] == '\n' {
			start++
		}
		end := bytes.Index(data[start:], []byte("endstream"))
		if end < 0 {
			end = len(data) - start
		}
		windowStart := max(0, at-dictWindow)
		dict := data[windowStart:at]
		if o := bytes.LastIndex(dict, []byte("obj")); o >= 0 {
			dict = dict[o+len("obj"):]
		}
		return pdfStream{offset: start, dict: dict, data: data[start : start+end], next: start + end}, true
	}
}

// skippedStreamTypes mark streams that hold no page text: images, fonts,
// object and cross-reference streams, and XMP metadata.
var skippedStreamTypes = []struct{ key, value string }{
	{"/Subtype", "Image"}, {"/Subtype", "XML"}, {"/Subtype", "Type1C"},
	{"/Subtype", "CIDFontType0C"}, {"/Subtype", "OpenType"},
	{"/Type", "ObjStm"}, {"/Type", "XRef"}, {"/Type", "Metadata"},
}

// skipStream reports whether the stream holds no page text or needs a
// predictor, which extractPDF does not apply.
func skipStream(dict []byte) bool {
	for _, t := range skippedStreamTypes {
		if dictName(dict, t.key) == t.value {
			return true
		}
	}
	// Only embedded font programs carry /Length1 or /Length2.
	return bytes.Contains(dict, []byte("/Length1")) || bytes.Contains(dict, []byte("/Length2")) ||
		bytes.Contains(dict, []byte("/Predictor"))
}

// dictName returns the name value of the first key in dict, without its
// slash, or "" when key is absent or its value is not a name.
func dictName(dict []byte, key string) string {
	for rest := dict; ; {
		k := bytes.Index(rest, []byte(key))
		if k < 0 {
			return ""
		}
		rest = rest[k+len(key):]
		if len(rest) > 0 && isNameChar(rest[0]) {
			continue // a longer key such as /TypeX
		}
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 || rest[0] != '/' {
			return ""
		}
		n := 1
		for n < len(rest) && isNameChar(rest[n]) {
			n++
		}
		return string(rest[1:n])
	}
}

// decodeStream returns the content of a stream that may hold page text, or
// nil for a stream that is skipped.
func decodeStream(s pdfStream, lim Limits, total *int64) ([]byte, error) {
	if skipStream(s.dict) {
		return nil, nil
	}
	switch streamFilter(s.dict) {
	case "":
		return s.data, nil
	case "FlateDecode":
		return inflate(s, lim, total)
	}
	return nil, nil
}

// streamFilter returns the name of the stream's only filter, "" when it has
// none, or "unsupported" for a chain of several filters.
func streamFilter(dict []byte) string {
	k := bytes.Index(dict, []byte("/Filter"))
	if k < 0 {
		return ""
	}
	rest := bytes.TrimLeft(dict[k+len("/Filter"):], " \t\r\n")
	if len(rest) > 0 && rest[0] == '[' {
		end := bytes.IndexByte(rest, ']')
		if end < 0 {
			return "unsupported"
		}
		fields := bytes.Fields(bytes.ReplaceAll(rest[1:end], []byte("/"), []byte(" /")))
		if len(fields) != 1 {
			return "unsupported"
		}
		rest = fields[0]
	}
	if len(rest) == 0 || rest[0] != '/' {
		return "unsupported"
	}
	name := rest[1:]
	n := 0
	for n < len(name) && isNameChar(name[n]) {
		n++
	}
	return string(name[:n])
}

func isNameChar(c byte) bool {
	return classes[c] != classOther || c == '.' || c == '_'
}

// inflate decompresses a FlateDecode stream within the limits. A stream
// that ends early or has a bad checksum yields what was decoded before the
// fault, as PDF readers do.
func inflate(s pdfStream, lim Limits, total *int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(s.data))
	if err != nil {
		return nil, nil
	}
	g := &guardedReader{
		r:          zr,
		subject:    fmt.Sprintf("PDF stream at byte %d", s.offset),
		compressed: int64(len(s.data)),
		lim:        lim,
		total:      total,
	}
	content, err := io.ReadAll(g)
	if _, isLimit := err.(*LimitError); isLimit {
		return nil, err
	}
	return content, nil
}
