package label

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

const (
	nsRDF  = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsPDFX = "http://ns.adobe.com/pdfx/1.3/" // the pdfx: namespace that new label properties are written in
)

// setXMPLabels removes MSIP_Label_* property elements of the stale label
// GUIDs from an XMP packet and adds l's properties in a new rdf:Description
// in the pdfx namespace. The rest of the packet is unchanged. It returns
// false when the packet has no rdf:RDF element to add to.
// NOTE: MSIP_Label_* properties written as attributes are not removed; the
// information dictionary, which ReadPDF consults first, still decides.
func setXMPLabels(xmp []byte, l Label, stale map[string]bool) ([]byte, bool) {
	remove, rdfClose, err := scanXMP(xmp, stale)
	if err != nil || rdfClose < 0 {
		return nil, false
	}
	rdfPrefix := rawPrefix(xmp[rdfClose+2:]) // skip "</" of "</rdf:RDF>"
	var insert bytes.Buffer
	if !l.Removed {
		q := func(name string) string {
			if rdfPrefix == "" {
				return name
			}
			return rdfPrefix + ":" + name
		}
		fmt.Fprintf(&insert, `<%s %s="" xmlns:pdfx="%s">`, q("Description"), q("about"), nsPDFX)
		for _, kv := range msipKeyValues(l) {
			fmt.Fprintf(&insert, "<pdfx:%s>%s</pdfx:%s>", kv[0], escapeXML(kv[1]), kv[0])
		}
		fmt.Fprintf(&insert, "</%s>", q("Description"))
	}
	layout := &xmlLayout{rootClose: rdfClose}
	return layout.splice(xmp, remove, insert.Bytes()), true
}

// scanXMP finds the spans of MSIP_Label_* elements of stale GUIDs, at any
// depth, and the offset of the rdf:RDF end tag, or -1 when there is none.
func scanXMP(xmp []byte, stale map[string]bool) ([]xmlSpan, int, error) {
	d := xml.NewDecoder(bytes.NewReader(xmp))
	var remove []xmlSpan
	rdfClose := -1
	start, depth, openDepth := -1, 0, 0
	for {
		offset := int(d.InputOffset())
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return remove, rdfClose, nil
		}
		if err != nil {
			return nil, -1, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if guid, _, ok := parseMSIPKey(t.Name.Local); ok && stale[guid] && start < 0 {
				start, openDepth = offset, depth
			}
		case xml.EndElement:
			if start >= 0 && depth == openDepth {
				remove = append(remove, xmlSpan{start, int(d.InputOffset())})
				start = -1
			}
			if t.Name.Space == nsRDF && t.Name.Local == "RDF" {
				rdfClose = offset
			}
			depth--
		}
	}
}
