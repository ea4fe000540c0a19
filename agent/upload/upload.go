// Package upload assembles the bytes of a file that the user uploads, as
// the extension sends them in upload.chunk messages, into a temporary
// file, and inspects it: its sensitivity label, from the file's metadata
// or else from the label ledger, and the content detectors that match.
package upload

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"parapet/agent/inspect"
	"parapet/agent/label"
	"parapet/protocol"
)

// DefaultMaxBytes is the default of max_inspect_bytes: uploads larger than
// this are not sent to the agent and are relayed as oversized.
const DefaultMaxBytes = 50 << 20

// tempPrefix starts the name of every assembly file, so leftovers from a
// crash are recognized and deleted.
const tempPrefix = "upload-"

// Config sets up an Inspector.
type Config struct {
	// Dir holds the assembly files. It is created with mode 0700.
	Dir string
	// MaxBytes is the largest upload inspected. Zero means
	// DefaultMaxBytes.
	MaxBytes int64
	// Ledger finds the label of a file the agent labeled earlier. Nil
	// means metadata only.
	Ledger *label.Ledger
	// Detectors runs the content detectors. Nil means no detectors.
	Detectors *inspect.Inspector
	Log       *slog.Logger
}

// Inspector creates assemblies and inspects them. It is safe for
// concurrent use.
type Inspector struct {
	cfg Config
}

// New creates cfg.Dir and deletes assembly files left by an earlier run.
func New(cfg Config) (*Inspector, error) {
	if cfg.Dir == "" {
		return nil, errors.New("creating upload inspector: Dir is required")
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating upload folder: %w", err)
	}
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("reading upload folder: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			os.Remove(filepath.Join(cfg.Dir, e.Name()))
		}
	}
	return &Inspector{cfg: cfg}, nil
}

// MaxBytes returns the largest upload that is inspected.
func (in *Inspector) MaxBytes() int64 { return in.cfg.MaxBytes }

// Violation is an upload.chunk sequence the agent rejects. Reason is a
// sentence for the block verdict.
type Violation struct{ Reason string }

func (v *Violation) Error() string { return "rejecting upload: " + v.Reason }

func violation(format string, args ...any) error {
	return &Violation{Reason: fmt.Sprintf(format, args...)}
}

// Assembly is one upload being received. It is not safe for concurrent
// use.
type Assembly struct {
	in       *Inspector
	declared int64 // -1 when the extension did not know the size
	limit    int64
	file     *os.File
	hash     hash.Hash
	written  int64
	complete bool
}

// Begin starts an assembly for a file of declared bytes, or -1 when the
// size is not known. A declared size above MaxBytes is an error, because
// such an upload is relayed as oversized without chunks.
func (in *Inspector) Begin(declared int64) (*Assembly, error) {
	if declared > in.cfg.MaxBytes {
		return nil, violation("the file's declared size of %d bytes is more than the inspection limit of %d bytes", declared, in.cfg.MaxBytes)
	}
	f, err := os.CreateTemp(in.cfg.Dir, tempPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("creating upload file: %w", err)
	}
	limit := in.cfg.MaxBytes
	if declared >= 0 {
		limit = declared
	}
	return &Assembly{in: in, declared: declared, limit: limit, file: f, hash: sha256.New()}, nil
}

// Add appends one chunk. Chunks must arrive in order without gaps or
// overlaps, stay within the declared size and MaxBytes, and end with
// Last. When the declared size is known, the last chunk must end exactly
// there. Add returns true once the last chunk is in. After an error the
// assembly must be discarded.
func (a *Assembly) Add(c *protocol.UploadChunk) (bool, error) {
	switch {
	case a.complete:
		return false, violation("a chunk arrived after the last one")
	case c.Offset != a.written:
		return false, violation("a chunk starts at offset %d, but %d bytes have been received", c.Offset, a.written)
	case a.written+int64(len(c.Data)) > a.limit:
		return false, violation("the chunks exceed %d bytes, the %s", a.limit, a.limitName())
	}
	if _, err := a.file.Write(c.Data); err != nil {
		return false, fmt.Errorf("writing upload file: %w", err)
	}
	a.hash.Write(c.Data)
	a.written += int64(len(c.Data))
	if !c.Last {
		return false, nil
	}
	if a.declared >= 0 && a.written != a.declared {
		return false, violation("the chunks ended at %d bytes, but the file's declared size is %d bytes", a.written, a.declared)
	}
	a.complete = true
	return true, nil
}

func (a *Assembly) limitName() string {
	if a.declared >= 0 {
		return "file's declared size"
	}
	return "inspection limit"
}

// Discard closes and deletes the assembly file. It may be called more than
// once.
func (a *Assembly) Discard() {
	if a.file == nil {
		return
	}
	name := a.file.Name()
	a.file.Close()
	if err := os.Remove(name); err != nil && !os.IsNotExist(err) {
		a.in.cfg.Log.Warn("upload file not removed", "path", name, "error", err)
	}
	a.file = nil
}

// Size returns the bytes received so far.
func (a *Assembly) Size() int64 { return a.written }

// SHA256 returns the hex digest of the bytes received so far.
func (a *Assembly) SHA256() string { return hex.EncodeToString(a.hash.Sum(nil)) }
