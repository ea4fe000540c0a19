//go:build !windows

package credential

import (
	"fmt"
	"io/fs"
)

// checkPrivate rejects a credential file that its group or other users can
// read or write.
func checkPrivate(info fs.FileInfo) error {
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("mode %04o lets other users access it. Run chmod 600 on it, or delete it to enroll again", perm)
	}
	return nil
}
