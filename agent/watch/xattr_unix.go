//go:build linux || darwin

package watch

import (
	"errors"
	"fmt"

	"github.com/pkg/xattr"
	"golang.org/x/sys/unix"
)

// getXattr returns the value of the extended attribute name of path, or nil
// when the attribute is not set or the file system has no such attributes.
func getXattr(path, name string) ([]byte, error) {
	b, err := xattr.Get(path, name)
	if errors.Is(err, xattr.ENOATTR) || errors.Is(err, unix.ENOTSUP) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading extended attribute %s: %w", name, err)
	}
	return b, nil
}
