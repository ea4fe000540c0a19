// Package parapetfile reads and writes .parapet files: a downloaded file
// that Parapet encrypted with age (https://age-encryption.org/v1).
//
// A .parapet file is a plain-text preamble followed by an age file:
//
//	PARAPET PROTECTED FILE v1
//	... a few lines for a person without Parapet ...
//	Original-Name: q3-forecast.docx
//	Label-Name: Confidential
//	Label-ID: 2096f6a2-d2f7-48be-b329-b73aaa526e5d
//	Label-Tenant: 6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11
//	Encrypted-For: org
//	Event-ID: ev-123
//	--- END OF PARAPET PREAMBLE ---
//	age-encryption.org/v1
//	-> X25519 ...
//	-> parapet-label LABEL-GUID TENANT-GUID
//	--- MAC
//	binary age payload
//
// The preamble is UTF-8 text of at most MaxPreambleSize bytes, lines end
// with "\n", and the line PreambleEnd ends it. Fields are "Key: value"
// lines. The preamble is not authenticated, so it serves display only.
// The age header carries the label a second time as a "parapet-label"
// stanza, which the header MAC covers, so the server can trust the label
// once it has unwrapped the file key.
package parapetfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Markers of the format.
const (
	// Magic is the first line of every .parapet file.
	Magic = "PARAPET PROTECTED FILE v1"
	// PreambleEnd is the last line of the preamble. The age file starts
	// right after its newline.
	PreambleEnd = "--- END OF PARAPET PREAMBLE ---"
	// Extension is appended to the original file name.
	Extension = ".parapet"
	// MaxPreambleSize bounds the preamble a reader accepts, in bytes.
	MaxPreambleSize = 8 << 10
	// LabelStanzaType is the age stanza type that carries the label GUID
	// and tenant GUID as its two arguments.
	LabelStanzaType = "parapet-label"
)

// Preamble fields.
const (
	fieldName         = "Original-Name"
	fieldLabelName    = "Label-Name"
	fieldLabelID      = "Label-ID"
	fieldLabelTenant  = "Label-Tenant"
	fieldEncryptedFor = "Encrypted-For"
	fieldEventID      = "Event-ID"
)

// ErrNotParapet is returned for input that does not start with Magic.
var ErrNotParapet = errors.New("not a .parapet file")

// Header is what the preamble states about a .parapet file. It needs no
// key to read.
type Header struct {
	// OriginalName is the base name of the file before encryption.
	OriginalName string
	LabelName    string
	LabelID      string
	LabelTenant  string
	// EncryptedFor is "org" or "user", the encryption target.
	EncryptedFor string
	// EventID is the activity log id of the download's verdict.
	EventID string
}

// WritePreamble writes the preamble for h to w.
func WritePreamble(w io.Writer, h Header) error {
	name := cleanValue(h.OriginalName)
	var b strings.Builder
	b.WriteString(Magic + "\n")
	b.WriteString("This file is protected by Parapet, your organization's data protection\n")
	b.WriteString("software. Its content is encrypted with age (https://age-encryption.org).\n")
	b.WriteString("To open it on a computer where Parapet is installed, run:\n\n")
	fmt.Fprintf(&b, "    parapet file open %q\n\n", name+Extension)
	b.WriteString("Your organization's policy decides who may open it. Ask your IT\n")
	b.WriteString("helpdesk for help, and quote the Event-ID below.\n\n")
	fields := []struct{ key, value string }{
		{fieldName, name},
		{fieldLabelName, h.LabelName},
		{fieldLabelID, h.LabelID},
		{fieldLabelTenant, h.LabelTenant},
		{fieldEncryptedFor, h.EncryptedFor},
		{fieldEventID, h.EventID},
	}
	for _, f := range fields {
		fmt.Fprintf(&b, "%s: %s\n", f.key, cleanValue(f.value))
	}
	b.WriteString(PreambleEnd + "\n")
	if b.Len() > MaxPreambleSize {
		return fmt.Errorf("writing preamble: %d bytes, more than the maximum %d", b.Len(), MaxPreambleSize)
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing preamble: %w", err)
	}
	return nil
}

// cleanValue makes s safe for one preamble line: control characters
// become "?" and the value is cut to 1024 bytes.
func cleanValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return '?'
		}
		return r
	}, s)
	if len(s) > 1024 {
		s = s[:1024]
	}
	return s
}

// ReadPreamble parses the preamble at the start of r and returns the
// header and the preamble's length in bytes, which is the offset of the
// age file. It returns ErrNotParapet when r does not start with Magic.
func ReadPreamble(r io.Reader) (Header, int64, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxPreambleSize), 512)
	var h Header
	var n int64
	for lineNo := 0; ; lineNo++ {
		line, err := br.ReadString('\n')
		n += int64(len(line))
		if err != nil {
			if lineNo == 0 {
				return Header{}, 0, ErrNotParapet
			}
			return Header{}, 0, fmt.Errorf("reading preamble: no %q line in the first %d bytes", PreambleEnd, MaxPreambleSize)
		}
		line = strings.TrimSuffix(line, "\n")
		if lineNo == 0 {
			if line != Magic {
				return Header{}, 0, ErrNotParapet
			}
			continue
		}
		if line == PreambleEnd {
			return h, n, nil
		}
		h.set(line)
	}
}

func (h *Header) set(line string) {
	key, value, ok := strings.Cut(line, ": ")
	if !ok {
		return
	}
	switch key {
	case fieldName:
		h.OriginalName = value
	case fieldLabelName:
		h.LabelName = value
	case fieldLabelID:
		h.LabelID = value
	case fieldLabelTenant:
		h.LabelTenant = value
	case fieldEncryptedFor:
		h.EncryptedFor = value
	case fieldEventID:
		h.EventID = value
	}
}

// IsParapet reports whether data, the first bytes of a file, starts with
// Magic.
func IsParapet(data []byte) bool {
	return bytes.HasPrefix(data, []byte(Magic+"\n"))
}
