package inspect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
)

// Format is a file format that the package extracts text from.
type Format string

const (
	FormatText Format = "txt"
	FormatCSV  Format = "csv"
	FormatDOCX Format = "docx"
	FormatXLSX Format = "xlsx"
	FormatPPTX Format = "pptx"
	FormatPDF  Format = "pdf"

	formatZip Format = "zip" // before the OOXML type is known
)

const sniffBytes = 1024

var (
	zipMagic  = []byte("PK\x03\x04")
	pdfMagic  = []byte("%PDF-")
	ole2Magic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
)

// sniff decides the format from the first bytes of the file. The name
// decides only between plain text and CSV, and admits a text file that
// contains NUL bytes.
func sniff(head []byte, name string) (Format, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return formatZip, nil
	case bytes.Contains(head, pdfMagic):
		// PDF readers accept up to 1024 bytes of junk before the header.
		return FormatPDF, nil
	case bytes.HasPrefix(head, ole2Magic):
		return "", fmt.Errorf("%w: OLE2 compound file (legacy Office format or encrypted Office document)", ErrUnsupportedFormat)
	}
	textByName := ext == ".txt" || ext == ".csv" || ext == ".tsv" || ext == ".log"
	if !textByName && !hasBOM(head) && bytes.IndexByte(head, 0) >= 0 {
		return "", fmt.Errorf("%w: binary content", ErrUnsupportedFormat)
	}
	if ext == ".csv" || ext == ".tsv" {
		return FormatCSV, nil
	}
	return FormatText, nil
}

// extract sniffs the format of the file and returns it with the file's text.
func extract(ctx context.Context, r io.ReaderAt, size int64, name string, lim Limits) (Format, []byte, error) {
	head := make([]byte, min(size, sniffBytes))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", nil, fmt.Errorf("reading the file header: %w", err)
	}
	format, err := sniff(head, name)
	if err != nil {
		return "", nil, err
	}
	out := &textBuffer{max: lim.MaxTextBytes}
	switch format {
	case formatZip:
		format, err = extractOOXML(ctx, r, size, lim, out)
	case FormatPDF:
		err = extractPDF(ctx, r, size, lim, out)
	default:
		err = extractText(r, size, out)
	}
	return format, out.buf, err
}

// textBuffer collects extracted text up to max bytes.
type textBuffer struct {
	buf []byte
	max int64
}

func (b *textBuffer) write(p []byte) error {
	if int64(len(b.buf))+int64(len(p)) > b.max {
		return limitError("MaxTextBytes", b.max, "extracted text")
	}
	b.buf = append(b.buf, p...)
	return nil
}

func (b *textBuffer) writeByte(c byte) error {
	if int64(len(b.buf)) >= b.max {
		return limitError("MaxTextBytes", b.max, "extracted text")
	}
	b.buf = append(b.buf, c)
	return nil
}
