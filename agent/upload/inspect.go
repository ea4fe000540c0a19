package upload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"parapet/agent/inspect"
	"parapet/agent/label"
	"parapet/protocol"
)

// Result is what inspecting an upload found.
type Result struct {
	SHA256 string
	// Label is the effective label, or nil when none was found.
	Label *protocol.FileLabel
	// LabelSource is a label.Source, "ledger", or empty without a label.
	LabelSource string
	// Detectors lists the ids of the detectors with a finding.
	Detectors []string
	// Inspection is protocol.InspectionComplete or
	// protocol.InspectionFailed.
	Inspection string
}

// SourceLedger is Result.LabelSource for a label found in the ledger.
const SourceLedger = "ledger"

// Inspect reads the label and runs the detectors on a complete assembly.
// name is the file name the extension reported. The label comes from the
// file's metadata first and from the ledger, by SHA-256, when the
// metadata has none.
//
// A file whose format the detectors cannot extract text from (an image,
// for example) counts as complete with no detectors, because it has no
// text that could match. An encrypted file, a file over an inspection
// limit and a read error count as failed.
func (in *Inspector) Inspect(ctx context.Context, a *Assembly, name string) (Result, error) {
	if !a.complete {
		return Result{}, errors.New("inspecting upload: the last chunk has not arrived")
	}
	if err := a.file.Sync(); err != nil {
		return Result{}, fmt.Errorf("inspecting upload: %w", err)
	}
	res := Result{SHA256: a.SHA256(), Inspection: protocol.InspectionComplete}
	res.Label, res.LabelSource = in.findLabel(a.file.Name(), res.SHA256)
	if in.cfg.Detectors == nil {
		return res, nil
	}
	rep, err := in.cfg.Detectors.Inspect(ctx, name, a.file, a.written)
	switch {
	case errors.Is(err, inspect.ErrUnsupportedFormat) && !isContainer(a.file):
		// A format without text, such as an image, was inspected: it has
		// nothing the detectors look for.
	case err != nil:
		in.cfg.Log.Info("upload inspection failed", "file_name", name, "error", err)
		res.Inspection = protocol.InspectionFailed
	}
	for _, f := range rep.Findings {
		if protocol.ValidID(f.Detector) {
			res.Detectors = append(res.Detectors, f.Detector)
		}
	}
	return res, nil
}

func (in *Inspector) findLabel(path, digest string) (*protocol.FileLabel, string) {
	res, err := label.Read(path)
	if err != nil {
		in.cfg.Log.Debug("upload label not readable", "error", err)
	}
	if e, ok := res.Effective(); ok && err == nil {
		if l := wireLabel(e.Label); l != nil {
			return l, string(e.Source)
		}
	}
	if in.cfg.Ledger == nil {
		return nil, ""
	}
	if rec, ok := in.cfg.Ledger.Lookup(digest); ok {
		if l := wireLabel(rec.Label); l != nil {
			return l, SourceLedger
		}
	}
	return nil, ""
}

// wireLabel converts l for the protocol, or returns nil when its GUIDs
// would not pass the protocol's validation, such as a record without a
// tenant.
func wireLabel(l label.Label) *protocol.FileLabel {
	if !protocol.ValidGUID(l.ID) || !protocol.ValidGUID(l.TenantID) {
		return nil
	}
	name := l.Name
	if len(name) > 256 {
		name = name[:256]
	}
	return &protocol.FileLabel{ID: l.ID, TenantID: l.TenantID, Name: name}
}

// Apply writes the result into f, replacing whatever the extension sent
// in the fields the agent owns.
func (r Result) Apply(f *protocol.FileInfo) {
	f.SHA256 = r.SHA256
	f.Label = r.Label
	f.Detectors = r.Detectors
	f.Inspection = r.Inspection
}

// MarkOversized clears the fields the agent owns in f and marks it as too
// large to inspect.
func MarkOversized(f *protocol.FileInfo) {
	f.SHA256 = ""
	f.Label = nil
	f.Detectors = nil
	f.Inspection = protocol.InspectionOversized
}

// isContainer reports whether f starts like a zip archive or an OLE2
// compound file (legacy Office). Such files carry other files or text that
// the detectors could not read, so an unsupported one is reported as not
// inspected rather than as inspected and clean.
func isContainer(f io.ReaderAt) bool {
	head := make([]byte, 8)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")) ||
		bytes.HasPrefix(head, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1})
}
