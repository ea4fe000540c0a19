package protect

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to a hidden temporary file beside path,
// syncs it and renames it to path, so readers see the old file or the
// whole new one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := commitTemp(tmp, path, perm); err != nil {
		return err
	}
	return nil
}

// commitTemp sets the mode of tmp, syncs and closes it, renames it to path
// and syncs the folder, so the rename survives a crash.
func commitTemp(tmp *os.File, path string, perm os.FileMode) error {
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("setting mode of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming to %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// freeName returns path when nothing exists there, else the first free
// "STEM (N)EXT" for N from 1, where ext is the suffix the caller keeps.
func freeName(stem, ext string) (string, error) {
	path := stem + ext
	for n := 1; n < 1000; n++ {
		if _, err := os.Lstat(path); os.IsNotExist(err) {
			return path, nil
		}
		path = fmt.Sprintf("%s (%d)%s", stem, n, ext)
	}
	return "", fmt.Errorf("finding a free name for %s%s: 1000 names taken", stem, ext)
}
