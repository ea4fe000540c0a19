package label

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
)

// xmlSpan is a byte range [Start, End) of an XML document.
type xmlSpan struct{ Start, End int }

// xmlLayout locates the parts of an XML document that edits splice into, so
// that everything else stays byte-identical.
type xmlLayout struct {
	root      xml.StartElement
	rootStart xmlSpan // the root's start tag
	rootClose int     // offset of the root's end tag, or of "/>" when the root is empty
	prefix    string  // prefix of the root element as written, "" for none
	selfClose bool    // the root is written as <root .../>
	children  []xmlChild
}

// xmlChild is a direct child element of the root.
type xmlChild struct {
	start xml.StartElement
	span  xmlSpan
}

// scanXML parses data and records the root and the spans of its children.
func scanXML(data []byte) (*xmlLayout, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	layout := &xmlLayout{}
	depth := 0
	var childStart int
	var child xml.StartElement
	for {
		offset := int(d.InputOffset())
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				layout.root = t.Copy()
				layout.rootStart = xmlSpan{offset, int(d.InputOffset())}
			case 2:
				childStart, child = offset, t.Copy()
			}
		case xml.EndElement:
			switch depth {
			case 1:
				layout.rootClose = offset
			case 2:
				layout.children = append(layout.children, xmlChild{child, xmlSpan{childStart, int(d.InputOffset())}})
			}
			depth--
		}
	}

	if layout.rootStart.End == 0 {
		return nil, errors.New("document has no root element")
	}
	tag := data[layout.rootStart.Start:layout.rootStart.End]
	layout.selfClose = bytes.HasSuffix(tag, []byte("/>"))
	if layout.selfClose {
		layout.rootClose = layout.rootStart.End - 2
	}
	layout.prefix = rawPrefix(tag)
	return layout, nil
}

// rawPrefix returns the namespace prefix of a start tag as written.
func rawPrefix(tag []byte) string {
	name := bytes.TrimPrefix(tag, []byte("<"))
	if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
		name = name[:i]
	}
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		return string(name[:i])
	}
	return ""
}

// prefixFor returns the prefix the root binds to a namespace URI.
func (l *xmlLayout) prefixFor(uri string) (string, bool) {
	for _, a := range l.root.Attr {
		if a.Name.Space == "xmlns" && a.Value == uri {
			return a.Name.Local, true
		}
	}
	return "", false
}

// qualify returns name with the root's prefix.
func (l *xmlLayout) qualify(name string) string {
	if l.prefix == "" {
		return name
	}
	return l.prefix + ":" + name
}

// splice returns data with the given child spans removed and insert placed
// just before the root's end tag.
func (l *xmlLayout) splice(data []byte, remove []xmlSpan, insert []byte) []byte {
	sort.Slice(remove, func(i, j int) bool { return remove[i].Start < remove[j].Start })
	var out bytes.Buffer
	out.Grow(len(data) + len(insert))
	pos := 0
	for _, s := range remove {
		out.Write(data[pos:s.Start])
		pos = s.End
	}
	if l.selfClose {
		out.Write(data[pos:l.rootClose])
		out.WriteString(">")
		out.Write(insert)
		fmt.Fprintf(&out, "</%s>", l.qualify(l.root.Name.Local))
		out.Write(data[l.rootStart.End:])
		return out.Bytes()
	}
	out.Write(data[pos:l.rootClose])
	out.Write(insert)
	out.Write(data[l.rootClose:])
	return out.Bytes()
}

func attrValue(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

func escapeXML(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
