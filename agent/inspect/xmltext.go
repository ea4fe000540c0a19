package inspect

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// xmlHandler receives the elements and character data of one XML member.
// Element names are local names without their namespace prefix.
type xmlHandler interface {
	start(local string, attrs []xml.Attr) error
	end(local string) error
	text(data []byte) error
}

// walkXML streams the XML in r to h, within MaxXMLDepth and MaxXMLTokens.
// encoding/xml expands only the predefined entities and never reads a DTD,
// so entity-expansion bombs do not apply.
func walkXML(ctx context.Context, r io.Reader, member string, lim Limits, h xmlHandler) error {
	dec := xml.NewDecoder(r)
	depth, tokens := 0, 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parsing %s: %w", member, err)
		}
		tokens++
		if tokens > lim.MaxXMLTokens {
			return limitError("MaxXMLTokens", int64(lim.MaxXMLTokens), "XML member %q", member)
		}
		if tokens%(1<<16) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > lim.MaxXMLDepth {
				return limitError("MaxXMLDepth", int64(lim.MaxXMLDepth), "element nesting in XML member %q", member)
			}
			err = h.start(t.Name.Local, t.Attr)
		case xml.EndElement:
			depth--
			err = h.end(t.Name.Local)
		case xml.CharData:
			err = h.text(t)
		}
		if err != nil {
			return err
		}
	}
}
