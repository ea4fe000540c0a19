package label

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// PDF object model, enough for the trailer, the document information
// dictionary, the catalog and cross-reference streams. Integers are int64,
// reals float64, null is nil.
type (
	pdfName   string
	pdfString []byte
	pdfArray  []any
	pdfRef    struct{ Num, Gen int }
	pdfStream struct {
		Dict *pdfDict
		Raw  []byte // still encoded with the stream's filters
	}
)

// pdfDict is a dictionary that keeps its keys in file order, so a copied
// information dictionary lists its entries as the original did.
type pdfDict struct {
	keys []pdfName
	vals map[pdfName]any
}

func newDict() *pdfDict { return &pdfDict{vals: map[pdfName]any{}} }

func (d *pdfDict) get(k pdfName) any {
	if d == nil {
		return nil
	}
	return d.vals[k]
}

func (d *pdfDict) set(k pdfName, v any) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

// ErrInvalidPDF is wrapped by errors for PDF files that cannot be parsed.
var ErrInvalidPDF = errors.New("invalid PDF")

// maxNesting bounds array and dictionary nesting, so hostile input cannot
// exhaust the stack.
const maxNesting = 64

type pdfLexer struct {
	data  []byte
	pos   int
	depth int
}

func (p *pdfLexer) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", ErrInvalidPDF, p.pos, fmt.Sprintf(format, args...))
}

func isPDFSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isPDFDelimiter(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (p *pdfLexer) skipSpace() {
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case isPDFSpace(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.data) && p.data[p.pos] != '\n' && p.data[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// keyword reads a run of regular characters: a number, operator or keyword.
func (p *pdfLexer) keyword() string {
	start := p.pos
	for p.pos < len(p.data) && !isPDFSpace(p.data[p.pos]) && !isPDFDelimiter(p.data[p.pos]) {
		p.pos++
	}
	return string(p.data[start:p.pos])
}

// expect consumes the keyword kw after optional white space.
func (p *pdfLexer) expect(kw string) error {
	p.skipSpace()
	start := p.pos
	if got := p.keyword(); got != kw {
		p.pos = start
		return p.errorf("found %q, want %q", got, kw)
	}
	return nil
}

func (p *pdfLexer) object() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of file")
	}
	switch c := p.data[p.pos]; {
	case c == '/':
		return p.name(), nil
	case c == '(':
		return p.literalString()
	case c == '<' && p.pos+1 < len(p.data) && p.data[p.pos+1] == '<':
		return p.dict()
	case c == '<':
		return p.hexString()
	case c == '[':
		return p.array()
	}
	return p.scalar()
}

func (p *pdfLexer) scalar() (any, error) {
	start := p.pos
	word := p.keyword()
	switch word {
	case "":
		return nil, p.errorf("unexpected character %q", p.data[p.pos])
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	n, err := strconv.ParseInt(word, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(word, 64); ferr == nil {
			return f, nil
		}
		p.pos = start
		return nil, p.errorf("unexpected keyword %q", word)
	}
	if ref, ok := p.refAfter(n); ok {
		return ref, nil
	}
	return n, nil
}

// refAfter checks whether the integer just read starts "N G R".
func (p *pdfLexer) refAfter(num int64) (pdfRef, bool) {
	save := p.pos
	p.skipSpace()
	gen, err := strconv.Atoi(p.keyword())
	if err == nil {
		p.skipSpace()
		if p.keyword() == "R" && num >= 0 && gen >= 0 {
			return pdfRef{int(num), gen}, true
		}
	}
	p.pos = save
	return pdfRef{}, false
}

func (p *pdfLexer) name() pdfName {
	p.pos++ // '/'
	var b []byte
	for p.pos < len(p.data) && !isPDFSpace(p.data[p.pos]) && !isPDFDelimiter(p.data[p.pos]) {
		c := p.data[p.pos]
		if c == '#' && p.pos+2 < len(p.data) {
			if v, err := strconv.ParseUint(string(p.data[p.pos+1:p.pos+3]), 16, 8); err == nil {
				b = append(b, byte(v))
				p.pos += 3
				continue
			}
		}
		b = append(b, c)
		p.pos++
	}
	return pdfName(b)
}

func (p *pdfLexer) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return p.errorf("objects nested deeper than %d levels", maxNesting)
	}
	return nil
}

func (p *pdfLexer) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++ // '['
	var arr pdfArray
	for {
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, p.errorf("unterminated array")
		}
		if p.data[p.pos] == ']' {
			p.pos++
			return arr, nil
		}
		v, err := p.object()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
}

func (p *pdfLexer) dict() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos += 2 // "<<"
	d := newDict()
	for {
		p.skipSpace()
		if p.pos+1 < len(p.data) && p.data[p.pos] == '>' && p.data[p.pos+1] == '>' {
			p.pos += 2
			return d, nil
		}
		if p.pos >= len(p.data) || p.data[p.pos] != '/' {
			return nil, p.errorf("dictionary key is not a name")
		}
		key := p.name()
		v, err := p.object()
		if err != nil {
			return nil, err
		}
		d.set(key, v)
	}
}
