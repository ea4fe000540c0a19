package watch

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
)

// This file decodes the one binary property list shape that macOS stores in
// com.apple.metadata:kMDItemWhereFroms: an array of strings, or a single
// string. The layout follows Apple's "bplist00" format (CFBinaryPList.c):
// an 8-byte header, the objects, an offset table, and a 32-byte trailer
// holding the offset and reference widths, the object count, the top object
// and the offset-table position, all big-endian.

const (
	bplistHeader      = "bplist00"
	bplistTrailerSize = 32
)

// Object markers: the high nibble is the type, the low nibble a count, where
// 0xF means that an integer object with the real count follows.
const (
	bplistInt    = 0x1
	bplistASCII  = 0x5
	bplistUTF16  = 0x6
	bplistArray  = 0xA
	bplistNibble = 0xF
)

type bplist struct {
	data       []byte
	offsets    []uint64 // object offsets, by object number
	refSize    int
	offsetSize int
}

// decodeStringList decodes a binary property list whose top object is an
// array of strings or a string.
func decodeStringList(data []byte) ([]string, error) {
	p, top, err := parseBplist(data)
	if err != nil {
		return nil, err
	}
	marker, err := p.marker(top)
	if err != nil {
		return nil, err
	}
	if marker>>4 != bplistArray {
		s, err := p.stringAt(top)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	return p.stringArray(top)
}

func parseBplist(data []byte) (*bplist, uint64, error) {
	if len(data) < len(bplistHeader)+bplistTrailerSize || !bytes.HasPrefix(data, []byte(bplistHeader)) {
		return nil, 0, errors.New("decoding property list: not a bplist00 binary property list")
	}
	trailer := data[len(data)-bplistTrailerSize:]
	p := &bplist{data: data, offsetSize: int(trailer[6]), refSize: int(trailer[7])}
	count := readUint(trailer[8:16])
	top := readUint(trailer[16:24])
	tableAt := readUint(trailer[24:32])
	if p.offsetSize < 1 || p.offsetSize > 8 || p.refSize < 1 || p.refSize > 8 {
		return nil, 0, fmt.Errorf("decoding property list: invalid widths (offset %d, reference %d)", p.offsetSize, p.refSize)
	}
	tableEnd := uint64(len(data) - bplistTrailerSize)
	if count == 0 || top >= count || tableAt > tableEnd || count > (tableEnd-tableAt)/uint64(p.offsetSize) {
		return nil, 0, fmt.Errorf("decoding property list: invalid trailer (objects %d, top %d, table at %d)", count, top, tableAt)
	}
	p.offsets = make([]uint64, count)
	for i := range p.offsets {
		at := tableAt + uint64(i*p.offsetSize)
		p.offsets[i] = readUint(data[at : at+uint64(p.offsetSize)])
	}
	return p, top, nil
}

func readUint(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// marker returns the marker byte of object ref.
func (p *bplist) marker(ref uint64) (byte, error) {
	if ref >= uint64(len(p.offsets)) {
		return 0, fmt.Errorf("decoding property list: object %d out of range", ref)
	}
	at := p.offsets[ref]
	if at < uint64(len(bplistHeader)) || at >= uint64(len(p.data)-bplistTrailerSize) {
		return 0, fmt.Errorf("decoding property list: object %d at invalid offset %d", ref, at)
	}
	return p.data[at], nil
}

// span returns the count of object ref and the offset of its first content
// byte, reading the integer object that follows a 0xF count.
func (p *bplist) span(ref uint64) (count, start uint64, err error) {
	marker, err := p.marker(ref)
	if err != nil {
		return 0, 0, err
	}
	at := p.offsets[ref] + 1
	if marker&0xF != bplistNibble {
		return uint64(marker & 0xF), at, nil
	}
	end := uint64(len(p.data) - bplistTrailerSize)
	if at >= end || p.data[at]>>4 != bplistInt {
		return 0, 0, fmt.Errorf("decoding property list: object %d has an invalid count", ref)
	}
	width := uint64(1) << (p.data[at] & 0xF)
	if width > 8 || at+1+width > end {
		return 0, 0, fmt.Errorf("decoding property list: object %d has an invalid count", ref)
	}
	return readUint(p.data[at+1 : at+1+width]), at + 1 + width, nil
}

// content returns count units of unit bytes starting at start, checked
// against the end of the object area.
func (p *bplist) content(start, count, unit uint64) ([]byte, error) {
	end := uint64(len(p.data) - bplistTrailerSize)
	if count > (end-start)/unit {
		return nil, fmt.Errorf("decoding property list: object of %d units at %d overruns the data", count, start)
	}
	return p.data[start : start+count*unit], nil
}

func (p *bplist) stringAt(ref uint64) (string, error) {
	marker, err := p.marker(ref)
	if err != nil {
		return "", err
	}
	count, start, err := p.span(ref)
	if err != nil {
		return "", err
	}
	switch marker >> 4 {
	case bplistASCII:
		b, err := p.content(start, count, 1)
		return string(b), err
	case bplistUTF16:
		b, err := p.content(start, count, 2)
		if err != nil {
			return "", err
		}
		units := make([]uint16, count)
		for i := range units {
			units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(units)), nil
	}
	return "", fmt.Errorf("decoding property list: object %d has type 0x%x, want a string", ref, marker>>4)
}

func (p *bplist) stringArray(ref uint64) ([]string, error) {
	count, start, err := p.span(ref)
	if err != nil {
		return nil, err
	}
	refs, err := p.content(start, count, uint64(p.refSize))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, count)
	for i := uint64(0); i < count; i++ {
		elem := readUint(refs[i*uint64(p.refSize) : (i+1)*uint64(p.refSize)])
		s, err := p.stringAt(elem)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
