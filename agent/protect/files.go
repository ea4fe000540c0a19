package protect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"parapet/agent/label"
	"parapet/agent/protect/parapetfile"
	"parapet/protocol"
)

// Info is what Show finds on a file without any key.
type Info struct {
	// Label is the file's effective label, or nil when it has none.
	Label *protocol.FileLabel
	// LabelSource is where the label was found: a label.Source, or
	// "parapet-preamble" for a .parapet file.
	LabelSource string
	// Encrypted is the encryption target of a .parapet file, or
	// protocol.EncryptNone for any other file.
	Encrypted string
	// Parapet is the preamble of a .parapet file, nil for other files.
	Parapet *parapetfile.Header
}

// SourcePreamble is Info.LabelSource for a label read from a .parapet
// preamble.
const SourcePreamble = "parapet-preamble"

// Show returns the label and protection of the file at path. A .parapet
// file, recognized by its content, is described by its preamble, which
// needs no key. Any other file's label is read with label.Read.
func Show(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, fmt.Errorf("showing %s: %w", path, err)
	}
	defer f.Close()
	h, _, err := parapetfile.ReadPreamble(f)
	if err == nil {
		info := Info{Encrypted: h.EncryptedFor, Parapet: &h, LabelSource: SourcePreamble}
		if h.LabelID != "" {
			info.Label = &protocol.FileLabel{ID: h.LabelID, TenantID: h.LabelTenant, Name: h.LabelName}
		}
		return info, nil
	}
	if !errors.Is(err, parapetfile.ErrNotParapet) {
		return Info{}, fmt.Errorf("showing %s: %w", path, err)
	}
	res, err := label.Read(path)
	if err != nil {
		return Info{}, fmt.Errorf("showing %s: %w", path, err)
	}
	info := Info{Encrypted: protocol.EncryptNone}
	if e, ok := res.Effective(); ok {
		info.Label = &protocol.FileLabel{ID: e.ID, TenantID: e.TenantID, Name: e.Name}
		info.LabelSource = string(e.Source)
	}
	return info, nil
}

// Open decrypts the .parapet file at path into dst and returns dst. An
// empty dst means the original name from the preamble in the same folder.
// Open never replaces an existing file. It writes the plaintext to a
// hidden temporary file and renames it only after age has authenticated
// every byte, so a wrong key or a damaged file leaves nothing behind.
func Open(ctx context.Context, path, dst string, unwrap parapetfile.Unwrapper) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	if dst == "" {
		dst, err = defaultDestination(f, info.Size(), path)
		if err != nil {
			return "", err
		}
	}
	if _, err := os.Lstat(dst); err == nil {
		return "", fmt.Errorf("opening %s: %s already exists, remove it or choose another destination", path, dst)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("opening %s: creating temporary file: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := parapetfile.Decrypt(ctx, tmp, f, info.Size(), unwrap); err != nil {
		tmp.Close()
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	if err := commitTemp(tmp, dst, 0o600); err != nil {
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	return dst, nil
}

// defaultDestination returns the preamble's original name in the folder
// of path. The name comes from the file, so only its base is used.
func defaultDestination(r io.ReaderAt, size int64, path string) (string, error) {
	h, _, err := parapetfile.ReadPreamble(io.NewSectionReader(r, 0, size))
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	name := filepath.Base(h.OriginalName)
	if name == "." || name == ".." || name == string(filepath.Separator) || h.OriginalName == "" {
		return "", fmt.Errorf("opening %s: the preamble has no usable original name, choose a destination", path)
	}
	return filepath.Join(filepath.Dir(path), name), nil
}
