package inspect

import (
	"bytes"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// kernSpace is the TJ adjustment, in thousandths of a text space unit, at
// or below which a space is written. Generators such as pdfTeX draw word
// gaps with adjustments of about -250 to -1000 in place of space glyphs.
const kernSpace = -200

// contentParser takes the text of the Tj, TJ, ' and " operators in a page
// content stream. Other operators only add line breaks (T*, ET, Td and TD
// moving down) or spaces (Td and TD moving across).
type contentParser struct {
	data []byte
	pos  int
	out  *textBuffer

	str   []byte     // last string operand
	array []byte     // text of the last array operand
	nums  [2]float64 // last two numeric operands
}

func extractContentText(data []byte, out *textBuffer) error {
	if len(data) == 0 {
		return nil
	}
	p := &contentParser{data: data, out: out}
	if err := p.run(); err != nil {
		return err
	}
	return out.writeByte('\n')
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

func isPDFDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isPDFRegular(c byte) bool { return !isPDFSpace(c) && !isPDFDelimiter(c) }

func (p *contentParser) run() error {
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case isPDFSpace(c) || c == ')' || c == '>' || c == ']' || c == '{' || c == '}':
			p.pos++
		case c == '%':
			p.skipComment()
		case c == '(':
			p.str = p.literalString()
		case c == '<' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '<':
			p.pos += 2
		case c == '<':
			p.str = p.hexString()
		case c == '[':
			p.array = p.arrayText()
		case c == '/':
			p.pos++
			p.readRegular()
		case c == '+' || c == '-' || c == '.' || isDigit(c):
			p.pushNumber(p.readRegular())
		default:
			if err := p.operator(p.readRegular()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *contentParser) readRegular() []byte {
	start := p.pos
	for p.pos < len(p.data) && isPDFRegular(p.data[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		p.pos++ // a stray byte; step over it
	}
	return p.data[start:p.pos]
}

func (p *contentParser) skipComment() {
	for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
		p.pos++
	}
}

func (p *contentParser) pushNumber(tok []byte) {
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		v = 0
	}
	p.nums[0], p.nums[1] = p.nums[1], v
}

func (p *contentParser) operator(op []byte) error {
	var err error
	switch string(op) {
	case "Tj":
		err = p.writeString(p.str)
	case "'", `"`:
		if err = p.out.writeByte('\n'); err == nil {
			err = p.writeString(p.str)
		}
	case "TJ":
		err = p.out.write(p.array)
	case "T*", "ET":
		err = p.out.writeByte('\n')
	case "Td", "TD":
		if p.nums[1] != 0 {
			err = p.out.writeByte('\n')
		} else {
			err = p.out.writeByte(' ')
		}
	case "BI":
		p.skipInlineImage()
	}
	p.str, p.array, p.nums = nil, nil, [2]float64{}
	return err
}

// writeString writes a string operand. A string that starts with the
// UTF-16BE byte order mark is converted to UTF-8; other strings are written
// as bytes.
func (p *contentParser) writeString(s []byte) error {
	if !bytes.HasPrefix(s, []byte{0xFE, 0xFF}) {
		return p.out.write(s)
	}
	units := make([]uint16, 0, len(s)/2)
	for i := 2; i+1 < len(s); i += 2 {
		units = append(units, uint16(s[i])<<8|uint16(s[i+1]))
	}
	var buf []byte
	for _, r := range utf16.Decode(units) {
		buf = utf8.AppendRune(buf, r)
	}
	return p.out.write(buf)
}

// skipInlineImage steps over the binary data of an inline image, which
// runs from the ID operator to an EI operator.
func (p *contentParser) skipInlineImage() {
	id := bytes.Index(p.data[p.pos:], []byte("ID"))
	if id < 0 {
		p.pos = len(p.data)
		return
	}
	p.pos += id + 2
	for {
		ei := bytes.Index(p.data[p.pos:], []byte("EI"))
		if ei < 0 {
			p.pos = len(p.data)
			return
		}
		at := p.pos + ei
		p.pos = at + 2
		before := at > 0 && isPDFSpace(p.data[at-1])
		after := p.pos >= len(p.data) || isPDFSpace(p.data[p.pos])
		if before && after {
			return
		}
	}
}

// literalString reads a (...) string with balanced parentheses and
// backslash escapes, starting at the '('.
func (p *contentParser) literalString() []byte {
	var s []byte
	depth := 0
	for p.pos++; p.pos < len(p.data); p.pos++ {
		c := p.data[p.pos]
		switch c {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				p.pos++
				return s
			}
			depth--
		case '\\':
			s = p.escape(s)
			continue
		}
		s = append(s, c)
	}
	return s
}

// escape appends the character of the escape sequence at p.pos and leaves
// p.pos on its last byte.
func (p *contentParser) escape(s []byte) []byte {
	p.pos++
	if p.pos >= len(p.data) {
		return s
	}
	c := p.data[p.pos]
	switch c {
	case 'n':
		return append(s, '\n')
	case 'r':
		return append(s, '\r')
	case 't':
		return append(s, '\t')
	case 'b':
		return append(s, '\b')
	case 'f':
		return append(s, '\f')
	case '\r':
		// A backslash before a line break continues the string.
		if p.pos+1 < len(p.data) && p.data[p.pos+1] == '\n' {
			p.pos++
		}
		return s
	case '\n':
		return s
	}
	if c < '0' || c > '7' {
		return append(s, c) // \( \) \\ and unknown escapes stand for the byte
	}
	v := 0
	for k := 0; k < 3 && p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '7'; k++ {
		v = v*8 + int(p.data[p.pos]-'0')
		p.pos++
	}
	p.pos--
	return append(s, byte(v))
}

// hexString reads a <...> string, starting at the '<'. Whitespace is
// ignored and an odd final digit is read as if followed by 0.
func (p *contentParser) hexString() []byte {
	var s []byte
	high, odd := byte(0), false
	for p.pos++; p.pos < len(p.data); p.pos++ {
		c := p.data[p.pos]
		if c == '>' {
			p.pos++
			break
		}
		v, ok := hexValue(c)
		if !ok {
			continue
		}
		if odd {
			s = append(s, high<<4|v)
		} else {
			high = v
		}
		odd = !odd
	}
	if odd {
		s = append(s, high<<4)
	}
	return s
}

func hexValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// arrayText reads a [...] TJ operand, starting at the '[', and returns its
// strings joined, with a space for each large negative adjustment.
func (p *contentParser) arrayText() []byte {
	var text []byte
	p.pos++
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == ']':
			p.pos++
			return text
		case c == '(':
			text = append(text, p.literalString()...)
		case c == '<':
			text = append(text, p.hexString()...)
		case c == '+' || c == '-' || c == '.' || isDigit(c):
			v, err := strconv.ParseFloat(string(p.readRegular()), 64)
			if err == nil && v <= kernSpace {
				text = append(text, ' ')
			}
		default:
			p.pos++
		}
	}
	return text
}
