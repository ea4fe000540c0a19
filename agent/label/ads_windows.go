//go:build windows

package label

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// readAttached returns the label alternate data stream, or nil when the file
// has none.
func readAttached(path string) ([]byte, Source, error) {
	data, err := os.ReadFile(streamPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, SourceStream, nil
	}
	if err != nil {
		return nil, SourceStream, fmt.Errorf("reading stream %s: %w", streamPath(path), err)
	}
	return data, SourceStream, nil
}

func writeAttached(path string, data []byte) error {
	if err := os.WriteFile(streamPath(path), data, 0o600); err != nil {
		return fmt.Errorf("writing stream %s: %w", streamPath(path), err)
	}
	return nil
}
