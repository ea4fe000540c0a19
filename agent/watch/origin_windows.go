package watch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxZoneIdentifierSize bounds the stream read. Real streams are a few
// hundred bytes, and the URLs in them are the longest part.
const maxZoneIdentifierSize = 64 << 10

// readOrigin reads the Zone.Identifier alternate data stream of path. A file
// without the stream has a zero Origin and no error.
func readOrigin(path string) (Origin, error) {
	f, err := os.Open(path + ":Zone.Identifier")
	if errors.Is(err, fs.ErrNotExist) {
		return Origin{}, nil
	}
	if err != nil {
		return Origin{}, fmt.Errorf("opening Zone.Identifier stream: %w", err)
	}
	defer f.Close()
	buf := make([]byte, maxZoneIdentifierSize)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Origin{}, fmt.Errorf("reading Zone.Identifier stream: %w", err)
	}
	return ParseZoneIdentifier(buf[:n]).Origin(), nil
}
