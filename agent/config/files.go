package config

import (
	"fmt"
	"path/filepath"
)

// DefaultMaxInspectBytes is the default of max_inspect_bytes, 50 MiB.
const DefaultMaxInspectBytes = 50 << 20

// Files configures download protection and upload inspection. Its keys
// sit at the top level of the agent's YAML file.
type Files struct {
	// DownloadDirs are folders watched for downloads to protect, on top
	// of the users' download folders.
	DownloadDirs []string `yaml:"download_dirs"`
	// UserDownloadDirs, when not false, adds the download folder of
	// every local user that agent/watch finds. Unset means true.
	UserDownloadDirs *bool `yaml:"user_download_dirs"`
	// MaxInspectBytes is the largest upload, in bytes, whose content the
	// agent inspects. Larger uploads are relayed as oversized. Zero means
	// DefaultMaxInspectBytes.
	MaxInspectBytes int64 `yaml:"max_inspect_bytes"`
}

// InspectLimit returns MaxInspectBytes or its default.
func (f Files) InspectLimit() int64 {
	if f.MaxInspectBytes == 0 {
		return DefaultMaxInspectBytes
	}
	return f.MaxInspectBytes
}

// ValidateFiles checks the Files keys and returns an error that names the
// first invalid one.
func (f Files) ValidateFiles() error {
	if f.MaxInspectBytes < 0 {
		return fmt.Errorf("max_inspect_bytes: must not be negative, got %d", f.MaxInspectBytes)
	}
	for i, d := range f.DownloadDirs {
		if !filepath.IsAbs(d) {
			return fmt.Errorf("download_dirs[%d]: %q is not an absolute path", i, d)
		}
	}
	return nil
}
