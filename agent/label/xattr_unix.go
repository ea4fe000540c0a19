//go:build linux || darwin

package label

import (
	"errors"
	"fmt"

	"github.com/pkg/xattr"
)

// readAttached returns the label extended attribute, or nil when the file
// has none.
func readAttached(path string) ([]byte, Source, error) {
	data, err := xattr.Get(path, xattrName)
	if errors.Is(err, xattr.ENOATTR) {
		return nil, SourceXattr, nil
	}
	if err != nil {
		return nil, SourceXattr, fmt.Errorf("reading extended attribute %s: %w", xattrName, err)
	}
	return data, SourceXattr, nil
}

func writeAttached(path string, data []byte) error {
	if err := xattr.Set(path, xattrName, data); err != nil {
		return fmt.Errorf("writing extended attribute %s: %w", xattrName, err)
	}
	return nil
}
