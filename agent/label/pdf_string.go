package label

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

func (p *pdfLexer) literalString() (any, error) {
	p.pos++ // '('
	var b []byte
	nesting := 1
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch c {
		case '(':
			nesting++
		case ')':
			nesting--
			if nesting == 0 {
				return pdfString(b), nil
			}
		case '\\':
			b = p.escape(b)
			continue
		case '\r':
			// An unescaped end of line in a string is read as \n.
			if p.pos < len(p.data) && p.data[p.pos] == '\n' {
				p.pos++
			}
			c = '\n'
		}
		b = append(b, c)
	}
	return nil, p.errorf("unterminated string")
}

// escape decodes the escape sequence after a backslash in a literal string.
func (p *pdfLexer) escape(b []byte) []byte {
	if p.pos >= len(p.data) {
		return b
	}
	c := p.data[p.pos]
	p.pos++
	switch c {
	case 'n':
		return append(b, '\n')
	case 'r':
		return append(b, '\r')
	case 't':
		return append(b, '\t')
	case 'b':
		return append(b, '\b')
	case 'f':
		return append(b, '\f')
	case '\r':
		if p.pos < len(p.data) && p.data[p.pos] == '\n' {
			p.pos++
		}
		return b
	case '\n':
		return b
	}
	if c >= '0' && c <= '7' {
		v := int(c - '0')
		for i := 0; i < 2 && p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '7'; i++ {
			v = v*8 + int(p.data[p.pos]-'0')
			p.pos++
		}
		return append(b, byte(v))
	}
	return append(b, c)
}

func (p *pdfLexer) hexString() (any, error) {
	p.pos++ // '<'
	end := bytes.IndexByte(p.data[p.pos:], '>')
	if end < 0 {
		return nil, p.errorf("unterminated hex string")
	}
	var digits []byte
	for _, c := range p.data[p.pos : p.pos+end] {
		if !isPDFSpace(c) {
			digits = append(digits, c)
		}
	}
	p.pos += end + 1
	if len(digits)%2 == 1 {
		digits = append(digits, '0')
	}
	out := make([]byte, len(digits)/2)
	if _, err := hex.Decode(out, digits); err != nil {
		return nil, p.errorf("invalid hex string: %v", err)
	}
	return pdfString(out), nil
}

// textString decodes a PDF text string: UTF-16BE or UTF-8 after a byte
// order mark, otherwise PDFDocEncoding.
// NOTE: PDFDocEncoding is read as Latin-1, which differs from it for a few
// code points in 0x80-0x9F; MSIP values are ASCII GUIDs, names and dates.
func textString(s pdfString) string {
	switch {
	case len(s) >= 2 && s[0] == 0xFE && s[1] == 0xFF:
		units := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			units = append(units, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(units))
	case len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF:
		return string(s[3:])
	}
	runes := make([]rune, len(s))
	for i, c := range s {
		runes[i] = rune(c)
	}
	return string(runes)
}

// encodeText returns a text string as written in a file: a literal string
// for printable ASCII, otherwise UTF-16BE with a byte order mark.
func encodeText(s string) pdfString {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			ascii = false
			break
		}
	}
	if ascii || !utf8.ValidString(s) {
		return pdfString(s)
	}
	out := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u>>8), byte(u))
	}
	return out
}

// serialize appends the file form of a PDF object.
func serialize(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case pdfName:
		serializeName(b, x)
	case pdfString:
		serializeString(b, x)
	case pdfRef:
		fmt.Fprintf(b, "%d %d R", x.Num, x.Gen)
	case pdfArray:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			serialize(b, e)
		}
		b.WriteByte(']')
	case *pdfDict:
		b.WriteString("<<")
		for _, k := range x.keys {
			b.WriteByte(' ')
			serializeName(b, k)
			b.WriteByte(' ')
			serialize(b, x.vals[k])
		}
		b.WriteString(" >>")
	default:
		panic(fmt.Sprintf("label: cannot serialize PDF value of type %T", v))
	}
}

func serializeName(b *bytes.Buffer, n pdfName) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7E || c == '#' || isPDFDelimiter(c) {
			fmt.Fprintf(b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}

func serializeString(b *bytes.Buffer, s pdfString) {
	b.WriteByte('(')
	for _, c := range s {
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
}

func sortedInts(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}
