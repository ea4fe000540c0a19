package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"parapet/protocol"
)

// File stores the enrollment as JSON in a file that only its owner may
// read (mode 0600). Load rejects a file that other users can read.
type File struct {
	Path string
}

func (f File) Name() string { return "file " + f.Path }

func (f File) Load() (protocol.EnrollResponse, error) {
	info, err := os.Stat(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return protocol.EnrollResponse{}, ErrNotFound
	}
	if err != nil {
		return protocol.EnrollResponse{}, fmt.Errorf("reading credential file: %w", err)
	}
	if err := checkPrivate(info); err != nil {
		return protocol.EnrollResponse{}, fmt.Errorf("reading credential file %s: %w", f.Path, err)
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return protocol.EnrollResponse{}, fmt.Errorf("reading credential file: %w", err)
	}
	return decode(data, f.Path)
}

// Save writes the enrollment to a temporary file with mode 0600, syncs it
// and renames it over Path, so a crash never leaves a partial credential.
func (f File) Save(r protocol.EnrollResponse) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding credential: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), ".credential-*")
	if err != nil {
		return fmt.Errorf("writing credential file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("writing credential file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing credential file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("syncing credential file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing credential file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("renaming credential file: %w", err)
	}
	return nil
}
