//go:build !linux

package watch

import (
	"errors"
	"fmt"
)

// DownloadDirs is implemented for Linux only.
//
// TODO: list the users' Downloads folders on macOS (/Users/*) and Windows
// (the profile list in the registry).
func DownloadDirs() ([]string, error) {
	return nil, fmt.Errorf("listing download folders: %w", errors.ErrUnsupported)
}
