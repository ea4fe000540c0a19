package label

import (
	"encoding/json"
	"errors"
	"fmt"
)

// streamName is the NTFS alternate data stream that holds Parapet's label
// on Windows.
const streamName = "parapet.label"

// ErrAttachedUnsupported is returned where this platform has no place to
// attach a label to a file that is neither OOXML nor PDF.
var ErrAttachedUnsupported = errors.New("attaching labels to files is not supported on this platform")

// streamPath returns the path of the label's alternate data stream of a file.
func streamPath(path string) string {
	return path + ":" + streamName
}

// encodeAttached returns the JSON document stored in the extended attribute
// or alternate data stream.
func encodeAttached(l Label) ([]byte, error) {
	return json.Marshal(l)
}

func decodeAttached(data []byte) (Label, error) {
	var l Label
	if err := json.Unmarshal(data, &l); err != nil {
		return Label{}, fmt.Errorf("decoding attached label: %w", err)
	}
	l.ID = normalizeGUID(l.ID)
	l.TenantID = normalizeGUID(l.TenantID)
	return l, nil
}

// readAttachedLabel reads the label attached to a file. A file without one
// is unlabeled.
func readAttachedLabel(path string) (Result, error) {
	data, src, err := readAttached(path)
	if err != nil || data == nil {
		return Result{}, err
	}
	l, err := decodeAttached(data)
	if err != nil {
		return Result{}, err
	}
	return resolve([]Entry{{Label: l, Source: src}}), nil
}

func writeAttachedLabel(path string, l Label) error {
	l, err := normalizeForWrite(l)
	if err != nil {
		return err
	}
	data, err := encodeAttached(l)
	if err != nil {
		return fmt.Errorf("encoding attached label: %w", err)
	}
	return writeAttached(path, data)
}
