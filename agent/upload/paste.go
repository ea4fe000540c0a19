package upload

import (
	"parapet/protocol"
)

// PasteFileName is the file name of the FileInfo that stands for a
// paste's text.
const PasteFileName = "clipboard.txt"

// InspectPaste replaces the text of a paste with the result of running
// the content detectors over it. req.File becomes a FileInfo named
// clipboard.txt with the text's size in bytes, the ids of the matching
// detectors and inspection "complete". req.Text is cleared, so the text
// never leaves the agent. A request without text is left alone. A
// nil Inspector, or one without detectors, only drops the text and leaves
// the inspection empty.
func (in *Inspector) InspectPaste(req *protocol.ActionRequest) {
	if req.Activity != protocol.ActivityPaste || req.Text == "" {
		return
	}
	text := req.Text
	req.Text = ""
	req.File = &protocol.FileInfo{Name: PasteFileName, Size: int64(len(text)), MIMEType: "text/plain"}
	if in == nil || in.cfg.Detectors == nil {
		return
	}
	rep := in.cfg.Detectors.ScanText([]byte(text))
	for _, f := range rep.Findings {
		if protocol.ValidID(f.Detector) {
			req.File.Detectors = append(req.File.Detectors, f.Detector)
		}
	}
	req.File.Inspection = protocol.InspectionComplete
}
