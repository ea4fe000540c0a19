//go:build !windows

package queue

import (
	"fmt"
	"os"
)

// syncDir flushes the folder entry, so a rename or removal survives a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing queue folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing queue folder: %w", err)
	}
	return nil
}
