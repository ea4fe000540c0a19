package label

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
)

// Relationship types and namespaces of the OOXML parts that carry labels.
const (
	relTypeLabelInfo       = "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels"
	relTypeCustomProps     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
	relTypeCustomPropsISO  = "http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties"
	nsLabelInfo            = "http://schemas.microsoft.com/office/2020/mipLabelMetadata"
	nsCustomProps          = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
	nsDocPropsVTypes       = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
	contentTypeLabelInfo   = "application/vnd.ms-office.classificationlabels+xml"
	contentTypeCustomProps = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
	packageRelsName        = "_rels/.rels"
	contentTypesName       = "[Content_Types].xml"
	defaultLabelInfoName   = "docMetadata/LabelInfo.xml"
	defaultCustomPropsName = "docProps/custom.xml"
)

// maxPartSize bounds the uncompressed size of a metadata part read into
// memory, so a zip bomb cannot exhaust memory. Real LabelInfo and custom
// property parts are a few kilobytes.
const maxPartSize = 16 << 20

// ErrNotOOXML is wrapped by errors for zip files that are not OPC packages.
var ErrNotOOXML = errors.New("not an OOXML package")

// ooxmlPackage indexes the members of an OPC package by exact zip name.
type ooxmlPackage struct {
	zr      *zip.Reader
	members map[string]*zip.File
}

func openPackage(r io.ReaderAt, size int64) (*ooxmlPackage, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("opening zip: %w", err)
	}
	p := &ooxmlPackage{zr: zr, members: map[string]*zip.File{}}
	for _, f := range zr.File {
		p.members[f.Name] = f
	}
	if p.members[contentTypesName] == nil {
		return nil, fmt.Errorf("%w: %s is missing", ErrNotOOXML, contentTypesName)
	}
	return p, nil
}

// readPart returns the content of a member, or nil when it does not exist.
// Member names are case-sensitive, as zip names are.
func (p *ooxmlPackage) readPart(name string) ([]byte, error) {
	f := p.members[name]
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPartSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxPartSize {
		return nil, fmt.Errorf("reading %s: part is larger than %d bytes", name, maxPartSize)
	}
	return data, nil
}

type relationship struct {
	ID         string `xml:"Id,attr"`
	Type       string `xml:"Type,attr"`
	Target     string `xml:"Target,attr"`
	TargetMode string `xml:"TargetMode,attr"`
}

type relationships struct {
	Items []relationship `xml:"Relationship"`
}

func (p *ooxmlPackage) packageRels() ([]relationship, error) {
	data, err := p.readPart(packageRelsName)
	if err != nil || data == nil {
		return nil, err
	}
	var rels relationships
	if err := xml.Unmarshal(data, &rels); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", packageRelsName, err)
	}
	return rels.Items, nil
}

// findTarget returns the zip member name that the first internal package
// relationship of one of the given types points to, or "" when there is none.
// A target resolves against the package root, and an absolute target starts
// at the root too.
func findTarget(rels []relationship, types ...string) (rel relationship, name string) {
	for _, r := range rels {
		if strings.EqualFold(r.TargetMode, "External") {
			continue
		}
		for _, t := range types {
			if r.Type == t {
				return r, resolveTarget(r.Target)
			}
		}
	}
	return relationship{}, ""
}

func resolveTarget(target string) string {
	if unescaped, err := url.PathUnescape(target); err == nil {
		target = unescaped
	}
	return strings.TrimPrefix(path.Join("/", target), "/")
}

// ReadOOXML reads the labels of an OOXML package (.docx, .xlsx, .pptx).
func ReadOOXML(r io.ReaderAt, size int64) (Result, error) {
	p, err := openPackage(r, size)
	if err != nil {
		return Result{}, err
	}
	rels, err := p.packageRels()
	if err != nil {
		return Result{}, err
	}

	var records []Entry
	if _, name := findTarget(rels, relTypeLabelInfo); name != "" {
		data, err := p.readPart(name)
		if err != nil {
			return Result{}, err
		}
		entries, err := parseLabelInfo(data)
		if err != nil {
			return Result{}, fmt.Errorf("parsing %s: %w", name, err)
		}
		records = append(records, entries...)
	}
	if _, name := findTarget(rels, relTypeCustomProps, relTypeCustomPropsISO); name != "" {
		data, err := p.readPart(name)
		if err != nil {
			return Result{}, err
		}
		set, err := parseCustomProps(data)
		if err != nil {
			return Result{}, fmt.Errorf("parsing %s: %w", name, err)
		}
		records = append(records, set.entries(SourceCustomProps)...)
	}
	return resolve(records), nil
}

// labelInfoLabel is the CT_ClassificationLabel element of MS-OFFCRYPTO 2.6.5.4.
type labelInfoLabel struct {
	ID          string `xml:"id,attr"`
	Enabled     string `xml:"enabled,attr"`
	Method      string `xml:"method,attr"`
	SiteID      string `xml:"siteId,attr"`
	ContentBits string `xml:"contentBits,attr"`
	Removed     string `xml:"removed,attr"`
}

type labelInfoList struct {
	XMLName xml.Name         `xml:"labelList"`
	Labels  []labelInfoLabel `xml:"label"`
}

// parseLabelInfo parses a LabelInfo part. A nil part has no records.
func parseLabelInfo(data []byte) ([]Entry, error) {
	labels, err := decodeLabelInfo(data)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, x := range labels {
		l := Label{
			ID:          normalizeGUID(x.ID),
			TenantID:    normalizeGUID(x.SiteID),
			Enabled:     parseBool(x.Enabled),
			Method:      x.Method,
			ContentBits: parseContentBits(x.ContentBits),
			Removed:     parseBool(x.Removed),
		}
		out = append(out, Entry{Label: l, Source: SourceLabelInfo})
	}
	return out, nil
}

// customProperty is one property element of docProps/custom.xml. Its value
// is the text of its single variant-type child (vt:lpwstr, vt:bool, ...).
type customProperty struct {
	Name  string `xml:"name,attr"`
	PID   string `xml:"pid,attr"`
	Value struct {
		Text string `xml:",chardata"`
	} `xml:",any"`
}

type customProperties struct {
	XMLName    xml.Name         `xml:"Properties"`
	Properties []customProperty `xml:"property"`
}

// parseCustomProps gathers the MSIP_Label_* properties of a custom
// properties part. A nil part has none.
func parseCustomProps(data []byte) (*msipSet, error) {
	set := &msipSet{}
	if data == nil {
		return set, nil
	}
	var props customProperties
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&props); err != nil {
		return nil, err
	}
	for _, p := range props.Properties {
		set.add(p.Name, strings.TrimSpace(p.Value.Text))
	}
	return set, nil
}
