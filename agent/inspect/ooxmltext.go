package inspect

import (
	"encoding/xml"
	"fmt"
)

// wordHandler takes the text of w:t runs and of w:delText, because text
// deleted with change tracking on is still in the file. Paragraphs end in
// '\n', and w:tab, w:br and w:cr become a tab or a line break.
type wordHandler struct {
	out    *textBuffer
	inText bool
}

func newWordHandler(out *textBuffer) xmlHandler { return &wordHandler{out: out} }

func (h *wordHandler) start(local string, _ []xml.Attr) error {
	switch local {
	case "t", "delText":
		h.inText = true
	case "tab":
		return h.out.writeByte('\t')
	case "br", "cr":
		return h.out.writeByte('\n')
	}
	return nil
}

func (h *wordHandler) end(local string) error {
	switch local {
	case "t", "delText":
		h.inText = false
	case "p":
		return h.out.writeByte('\n')
	}
	return nil
}

func (h *wordHandler) text(data []byte) error {
	if h.inText {
		return h.out.write(data)
	}
	return nil
}

// slideHandler takes the text of a:t runs in slides and notes, one line per
// a:p paragraph.
type slideHandler struct {
	out    *textBuffer
	inText bool
}

func newSlideHandler(out *textBuffer) xmlHandler { return &slideHandler{out: out} }

func (h *slideHandler) start(local string, _ []xml.Attr) error {
	switch local {
	case "t":
		h.inText = true
	case "br":
		return h.out.writeByte('\n')
	}
	return nil
}

func (h *slideHandler) end(local string) error {
	switch local {
	case "t":
		h.inText = false
	case "p":
		return h.out.writeByte('\n')
	}
	return nil
}

func (h *slideHandler) text(data []byte) error {
	if h.inText {
		return h.out.write(data)
	}
	return nil
}

// sharedStringsHandler writes each si item of xl/sharedStrings.xml on its
// own line.
type sharedStringsHandler struct {
	out    *textBuffer
	inText bool
}

func newSharedStringsHandler(out *textBuffer) xmlHandler { return &sharedStringsHandler{out: out} }

func (h *sharedStringsHandler) start(local string, _ []xml.Attr) error {
	if local == "t" {
		h.inText = true
	}
	return nil
}

func (h *sharedStringsHandler) end(local string) error {
	switch local {
	case "t":
		h.inText = false
	case "si":
		return h.out.writeByte('\n')
	}
	return nil
}

func (h *sharedStringsHandler) text(data []byte) error {
	if h.inText {
		return h.out.write(data)
	}
	return nil
}

// maxCellValue bounds the v element of one cell; Excel's own limit for a
// cell's text is 32767 characters.
const maxCellValue = 128 << 10

// sheetHandler writes the cells of a worksheet, a tab after each cell and a
// line break after each row. Cells of type "s" refer to shared strings,
// which are extracted on their own, and boolean and error cells hold no
// text, so all three are skipped. Numbers written in exponent notation are
// expanded to digits, because card numbers are often stored as numbers.
type sheetHandler struct {
	out      *textBuffer
	cellType string
	inValue  bool
	inText   bool // inside the t of an inline string
	value    []byte
}

func newSheetHandler(out *textBuffer) xmlHandler { return &sheetHandler{out: out} }

func (h *sheetHandler) start(local string, attrs []xml.Attr) error {
	switch local {
	case "c":
		h.cellType = ""
		for _, a := range attrs {
			if a.Name.Local == "t" {
				h.cellType = a.Value
			}
		}
	case "v":
		h.inValue = true
		h.value = h.value[:0]
	case "t":
		h.inText = true
	}
	return nil
}

func (h *sheetHandler) end(local string) error {
	switch local {
	case "v":
		h.inValue = false
		return h.writeValue()
	case "t":
		h.inText = false
	case "c":
		return h.out.writeByte('\t')
	case "row":
		return h.out.writeByte('\n')
	}
	return nil
}

func (h *sheetHandler) text(data []byte) error {
	switch {
	case h.inValue:
		if len(h.value)+len(data) > maxCellValue {
			return fmt.Errorf("%w: worksheet cell value longer than %d bytes", ErrLimitExceeded, maxCellValue)
		}
		h.value = append(h.value, data...)
	case h.inText:
		return h.out.write(data)
	}
	return nil
}

func (h *sheetHandler) writeValue() error {
	switch h.cellType {
	case "s", "b", "e":
		return nil
	case "", "n":
		return h.out.write(expandNumber(nil, h.value))
	}
	return h.out.write(h.value)
}
