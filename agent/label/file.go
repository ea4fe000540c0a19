package label

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Format is the way a file stores its label, chosen by content sniffing.
type Format int

const (
	FormatAttached Format = iota // extended attribute or alternate data stream
	FormatOOXML                  // zip package with [Content_Types].xml
	FormatPDF                    // file starting with %PDF-
)

func (f Format) String() string {
	switch f {
	case FormatOOXML:
		return "ooxml"
	case FormatPDF:
		return "pdf"
	}
	return "attached"
}

// Detect returns the label format of the file at path from its content,
// never from its name.
func Detect(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	return detect(f)
}

func detect(f *os.File) (Format, error) {
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	head = head[:n]
	if bytes.HasPrefix(bytes.TrimLeft(head, "\x00\t\n\f\r "), []byte("%PDF-")) {
		return FormatPDF, nil
	}
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return FormatAttached, nil
	}
	info, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	if _, err := openPackage(f, info.Size()); err != nil {
		return FormatAttached, nil
	}
	return FormatOOXML, nil
}

// Read returns the labels of the file at path. OOXML packages and PDF
// files are read from their content; every other file from the label that
// Write attached to it.
// NOTE: encrypted Office files (OLE compound files with a LabelInfo stream)
// are read as attached-label files.
func Read(path string) (Result, error) {
	format, err := Detect(path)
	if err != nil {
		return Result{}, err
	}
	switch format {
	case FormatOOXML:
		return readOOXMLFile(path)
	case FormatPDF:
		data, err := os.ReadFile(path)
		if err != nil {
			return Result{}, fmt.Errorf("reading %s: %w", path, err)
		}
		return ReadPDF(data)
	}
	return readAttachedLabel(path)
}

func readOOXMLFile(path string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Result{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return ReadOOXML(f, info.Size())
}

// Write sets l as the label of its tenant on the file at path. OOXML and
// PDF files are rewritten through a temporary file in the same folder that
// then replaces the original, so a failed write leaves the original intact.
// Other files get the label attached in place.
func Write(path string, l Label) error {
	format, err := Detect(path)
	if err != nil {
		return err
	}
	switch format {
	case FormatOOXML:
		return replaceFile(path, func(src *os.File, size int64, dst io.Writer) error {
			return WriteOOXML(dst, src, size, l)
		})
	case FormatPDF:
		return replaceFile(path, func(src *os.File, size int64, dst io.Writer) error {
			data, err := io.ReadAll(src)
			if err != nil {
				return fmt.Errorf("reading %s: %w", path, err)
			}
			return WritePDF(dst, data, l)
		})
	}
	return writeAttachedLabel(path, l)
}

// replaceFile writes a new version of path with transform and renames it
// over the original, keeping the original's permission bits.
// NOTE: the new file is a new inode, so extended attributes, hard links
// and ownership other than the writer's are not carried over.
func replaceFile(path string, transform func(src *os.File, size int64, dst io.Writer) error) error {
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".label-*")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	if err := transform(src, info.Size(), tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return fmt.Errorf("setting mode of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	src.Close() // Windows cannot replace a file that is still open
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	return nil
}
