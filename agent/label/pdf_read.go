package label

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadPDF reads the labels of a PDF file: the MSIP_Label_* keys of the
// document information dictionary and, at lower priority, MSIP_Label_*
// properties in the catalog's XMP metadata.
func ReadPDF(data []byte) (Result, error) {
	doc, err := parsePDF(data)
	if err != nil {
		return Result{}, err
	}
	info, err := doc.infoSet()
	if err != nil {
		return Result{}, err
	}
	records := info.entries(SourcePDFInfo)

	xmp, _, err := doc.metadata()
	if err != nil {
		return Result{}, err
	}
	if xmp != nil {
		set, err := parseXMPLabels(xmp)
		if err != nil {
			return Result{}, fmt.Errorf("parsing XMP metadata: %w", err)
		}
		records = append(records, set.entries(SourcePDFXMP)...)
	}
	return resolve(records), nil
}

// infoDict returns the document information dictionary, or nil.
func (d *pdfDoc) infoDict() (*pdfDict, error) {
	info, err := d.resolveDict(d.trailer.get("Info"))
	if err != nil {
		return nil, fmt.Errorf("reading information dictionary: %w", err)
	}
	return info, nil
}

func (d *pdfDoc) infoSet() (*msipSet, error) {
	info, err := d.infoDict()
	if err != nil {
		return nil, err
	}
	set := &msipSet{}
	if info == nil {
		return set, nil
	}
	for _, k := range info.keys {
		v, err := d.resolve(info.vals[k])
		if err != nil {
			return nil, fmt.Errorf("reading information dictionary entry /%s: %w", k, err)
		}
		switch x := v.(type) {
		case pdfString:
			set.add(string(k), textString(x))
		case pdfName:
			set.add(string(k), string(x))
		case bool, int64:
			set.add(string(k), fmt.Sprint(x))
		}
	}
	return set, nil
}

// metadata returns the decoded XMP packet of the catalog and the reference
// to its stream, or nil when there is none or its filter is unsupported.
func (d *pdfDoc) metadata() ([]byte, pdfRef, error) {
	catalog, err := d.resolveDict(d.trailer.get("Root"))
	if err != nil {
		return nil, pdfRef{}, fmt.Errorf("reading catalog: %w", err)
	}
	ref, ok := catalog.get("Metadata").(pdfRef)
	if !ok {
		return nil, pdfRef{}, nil
	}
	obj, err := d.resolve(ref)
	if err != nil {
		return nil, pdfRef{}, fmt.Errorf("reading XMP metadata: %w", err)
	}
	s, ok := obj.(*pdfStream)
	if !ok {
		return nil, pdfRef{}, nil
	}
	data, err := d.decodeStream(s)
	if err != nil {
		// NOTE: XMP compressed with a filter other than FlateDecode is
		// skipped, so labels only in such XMP are not read.
		return nil, pdfRef{}, nil
	}
	return data, ref, nil
}

// parseXMPLabels gathers MSIP_Label_* properties from an XMP packet, in any
// namespace, written either as elements or as attributes of rdf:Description.
func parseXMPLabels(data []byte) (*msipSet, error) {
	set := &msipSet{}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var current string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return set, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				set.add(a.Name.Local, strings.TrimSpace(a.Value))
			}
			if _, _, ok := parseMSIPKey(t.Name.Local); ok {
				current = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if current != "" {
				text.Write(t)
			}
		case xml.EndElement:
			if current != "" && t.Name.Local == current {
				set.add(current, strings.TrimSpace(text.String()))
				current = ""
			}
		}
	}
}
