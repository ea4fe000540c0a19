package label

import (
	"archive/zip"
	"fmt"
	"io"
	"strings"
)

// WriteOOXML copies the OOXML package src to dst with l set as the label of
// its tenant, in both the LabelInfo part and the MSIP_Label_* custom
// properties. Labels of other tenants stay. Every member other than the
// LabelInfo part, the custom properties part, _rels/.rels and
// [Content_Types].xml is copied byte-identical, compressed data included.
func WriteOOXML(dst io.Writer, src io.ReaderAt, size int64, l Label) error {
	l, err := normalizeForWrite(l)
	if err != nil {
		return err
	}
	p, err := openPackage(src, size)
	if err != nil {
		return err
	}
	parts, err := p.labelParts(l)
	if err != nil {
		return err
	}
	return p.copyWith(dst, parts)
}

// labelParts builds the new content of every part that a label write
// changes, keyed by zip member name.
func (p *ooxmlPackage) labelParts(l Label) (map[string][]byte, error) {
	rels, err := p.packageRels()
	if err != nil {
		return nil, err
	}
	relsData, err := p.readPart(packageRelsName)
	if err != nil {
		return nil, err
	}
	relsEdit := newRelsEdit(relsData, rels)

	labelInfoName := relsEdit.ensure(relTypeLabelInfo, defaultLabelInfoName)
	customName := relsEdit.ensure(relTypeCustomProps, defaultCustomPropsName, relTypeCustomPropsISO)

	parts := map[string][]byte{}
	if parts[labelInfoName], err = p.newLabelInfo(labelInfoName, l); err != nil {
		return nil, err
	}
	if parts[customName], err = p.newCustomProps(customName, l); err != nil {
		return nil, err
	}
	newRels, changed, err := relsEdit.result()
	if err != nil {
		return nil, fmt.Errorf("editing %s: %w", packageRelsName, err)
	}
	if changed {
		parts[packageRelsName] = newRels
	}

	overrides := map[string]string{
		"/" + labelInfoName: contentTypeLabelInfo,
		"/" + customName:    contentTypeCustomProps,
	}
	if relsData == nil {
		overrides["/"+packageRelsName] = contentTypeRels
	}
	types, err := p.readPart(contentTypesName)
	if err != nil {
		return nil, err
	}
	newTypes, changed, err := setOverrides(types, overrides)
	if err != nil {
		return nil, fmt.Errorf("editing %s: %w", contentTypesName, err)
	}
	if changed {
		parts[contentTypesName] = newTypes
	}
	return parts, nil
}

func (p *ooxmlPackage) newLabelInfo(name string, l Label) ([]byte, error) {
	data, err := p.readPart(name)
	if err != nil {
		return nil, err
	}
	existing, err := decodeLabelInfo(data)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", name, err)
	}
	return buildLabelInfo(existing, l), nil
}

func (p *ooxmlPackage) newCustomProps(name string, l Label) ([]byte, error) {
	data, err := p.readPart(name)
	if err != nil {
		return nil, err
	}
	out, err := setCustomProps(data, l)
	if err != nil {
		return nil, fmt.Errorf("editing %s: %w", name, err)
	}
	return out, nil
}

// copyWith writes the package to dst with the given parts replaced or
// added. A member whose name differs from a replaced part only in case is
// dropped, because OPC part names compare case-insensitively and a package
// must not hold the same part twice.
func (p *ooxmlPackage) copyWith(dst io.Writer, parts map[string][]byte) error {
	zw := zip.NewWriter(dst)
	written := map[string]bool{}
	for _, f := range p.zr.File {
		if data, ok := parts[f.Name]; ok {
			if err := writeMember(zw, f.Name, data, &f.FileHeader); err != nil {
				return err
			}
			written[f.Name] = true
			continue
		}
		if replacedFold(parts, f.Name) {
			continue
		}
		if err := copyRaw(zw, f); err != nil {
			return err
		}
	}
	for _, name := range sortedPartNames(parts) {
		if written[name] {
			continue
		}
		if err := writeMember(zw, name, parts[name], nil); err != nil {
			return err
		}
	}
	if err := zw.SetComment(p.zr.Comment); err != nil {
		return fmt.Errorf("setting zip comment: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("closing zip: %w", err)
	}
	return nil
}

func replacedFold(parts map[string][]byte, name string) bool {
	for replaced := range parts {
		if replaced != name && strings.EqualFold(replaced, name) {
			return true
		}
	}
	return false
}

func sortedPartNames(parts map[string][]byte) []string {
	set := map[string]bool{}
	for name := range parts {
		set[name] = true
	}
	return sortedKeys(set)
}

func copyRaw(zw *zip.Writer, f *zip.File) error {
	header := f.FileHeader
	w, err := zw.CreateRaw(&header)
	if err != nil {
		return fmt.Errorf("copying %s: %w", f.Name, err)
	}
	r, err := f.OpenRaw()
	if err != nil {
		return fmt.Errorf("copying %s: %w", f.Name, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("copying %s: %w", f.Name, err)
	}
	return nil
}

// writeMember writes a new member, keeping the name, time and attributes of
// the member it replaces when there is one.
func writeMember(zw *zip.Writer, name string, data []byte, old *zip.FileHeader) error {
	header := zip.FileHeader{Name: name, Method: zip.Deflate}
	if old != nil {
		header.Modified = old.Modified
		header.ExternalAttrs = old.ExternalAttrs
		header.CreatorVersion = old.CreatorVersion
	}
	w, err := zw.CreateHeader(&header)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
