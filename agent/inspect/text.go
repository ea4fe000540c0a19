package inspect

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

func hasBOM(head []byte) bool {
	return bytes.HasPrefix(head, bomUTF8) || bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE)
}

// extractText reads a plain-text or CSV file. UTF-16 with a byte order mark
// is converted to UTF-8; anything else is passed through unchanged, so
// ASCII digits and letters in 8-bit encodings are still found.
//
// NOTE: UTF-16 without a byte order mark is read as bytes, so detectors
// miss values in it.
func extractText(r io.ReaderAt, size int64, out *textBuffer) error {
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return fmt.Errorf("reading text: %w", err)
	}
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return out.write(data[len(bomUTF8):])
	case bytes.HasPrefix(data, bomUTF16LE):
		return writeUTF16(out, data[2:], binary.LittleEndian)
	case bytes.HasPrefix(data, bomUTF16BE):
		return writeUTF16(out, data[2:], binary.BigEndian)
	}
	return out.write(data)
}

// writeUTF16 converts UTF-16 code units to UTF-8, replacing unpaired
// surrogates with U+FFFD. A trailing odd byte is dropped.
func writeUTF16(out *textBuffer, data []byte, order binary.ByteOrder) error {
	var buf []byte
	for i := 0; i+1 < len(data); i += 2 {
		u := order.Uint16(data[i:])
		r := rune(u)
		if utf16.IsSurrogate(r) {
			r = utf8.RuneError
			if i+3 < len(data) {
				if pair := utf16.DecodeRune(rune(u), rune(order.Uint16(data[i+2:]))); pair != utf8.RuneError {
					r = pair
					i += 2
				}
			}
		}
		buf = utf8.AppendRune(buf, r)
		if len(buf) >= 64<<10 {
			if err := out.write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	return out.write(buf)
}
