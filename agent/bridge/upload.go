package bridge

import (
	"fmt"
	"sync"
	"time"

	"parapet/agent/upload"
	"parapet/protocol"
)

const (
	// DefaultUploadStall is how long an upload may go without a chunk.
	DefaultUploadStall = 30 * time.Second
	// maxUploads bounds the uploads one connection assembles at once, and
	// with it the disk a page can fill: maxUploads times max_inspect_bytes.
	maxUploads = 4
)

// Error codes of upload.chunk handling, sent in error messages.
const (
	// codeUploadRejected is sent for a chunk or request that ends its
	// upload with a block verdict.
	codeUploadRejected = "upload_rejected"
	// codeUnknownUpload is sent for a chunk whose request_id names no
	// upload in progress on the connection.
	codeUnknownUpload = "unknown_upload"
)

// pendingUpload is an upload request waiting for its chunks.
type pendingUpload struct {
	id    string
	req   *protocol.ActionRequest
	asm   *upload.Assembly
	timer *time.Timer
}

// uploadTable holds a connection's uploads in progress, by request id.
// Its lock also serializes writes to each assembly.
type uploadTable struct {
	mu   sync.Mutex
	byID map[string]*pendingUpload
}

// prepare drops the fields of req that only the agent may fill. An
// upload's digest is dropped too, because the agent computes it.
func prepare(req *protocol.ActionRequest) {
	if req.File == nil {
		return
	}
	req.File.Label = nil
	req.File.Detectors = nil
	req.File.Inspection = ""
	if req.Activity == protocol.ActivityUpload {
		req.File.SHA256 = ""
	}
}

// beginUpload starts the assembly of an upload's chunks. It returns false
// when req is to be relayed at once: it is not an upload of a file, the
// bridge has no inspector, or the file is over the inspection limit,
// which marks it oversized.
func (c *conn) beginUpload(id string, req *protocol.ActionRequest) bool {
	in := c.srv.cfg.Uploads
	if req.Activity != protocol.ActivityUpload || req.File == nil || in == nil {
		return false
	}
	if req.File.Size > in.MaxBytes() {
		upload.MarkOversized(req.File)
		return false
	}
	t := &c.uploads
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byID == nil {
		t.byID = map[string]*pendingUpload{}
	}
	if _, dup := t.byID[id]; dup {
		c.send("", &protocol.Error{Code: codeUploadRejected, RefID: id,
			Message: "an upload with this request id is already in progress"})
		return true
	}
	if len(t.byID) >= maxUploads {
		c.rejectUpload(id, id, fmt.Sprintf("more than %d uploads were in progress on one connection", maxUploads))
		return true
	}
	asm, err := in.Begin(req.File.Size)
	if err != nil {
		c.srv.cfg.Log.Error("upload not started", "request_id", id, "error", err)
		c.rejectUpload(id, id, "the agent could not store the upload for inspection")
		return true
	}
	u := &pendingUpload{id: id, req: req, asm: asm}
	u.timer = time.AfterFunc(c.stall(), func() { c.stallUpload(u) })
	t.byID[id] = u
	return true
}

func (c *conn) stall() time.Duration {
	if d := c.srv.cfg.UploadStall; d > 0 {
		return d
	}
	return DefaultUploadStall
}

// addChunk adds a chunk to its upload. The last chunk hands the upload to
// spawn for inspection and relaying. A chunk that breaks the upload's
// rules ends it with an error for the chunk and a block verdict.
func (c *conn) addChunk(msgID string, chunk *protocol.UploadChunk, spawn func(func())) {
	t := &c.uploads
	t.mu.Lock()
	u := t.byID[chunk.RequestID]
	if u == nil {
		t.mu.Unlock()
		c.send("", &protocol.Error{Code: codeUnknownUpload, RefID: msgID,
			Message: "request_id " + chunk.RequestID + " names no upload in progress"})
		return
	}
	done, err := u.asm.Add(chunk)
	if err == nil && !done {
		u.timer.Reset(c.stall())
		t.mu.Unlock()
		return
	}
	delete(t.byID, u.id)
	u.timer.Stop()
	t.mu.Unlock()
	if err != nil {
		u.asm.Discard()
		c.srv.cfg.Log.Warn("upload rejected", "request_id", u.id, "origin", c.origin, "error", err)
		c.rejectUpload(msgID, u.id, reasonOf(err))
		return
	}
	spawn(func() { c.finishUpload(u) })
}

func reasonOf(err error) string {
	if v, ok := err.(*upload.Violation); ok {
		return v.Reason
	}
	return "the agent could not store the upload for inspection"
}

// finishUpload inspects a complete upload, deletes the assembly file and
// relays the request with the inspection's result. The file is deleted
// before the verdict is sent, so no copy of the upload outlives its
// inspection even while the server takes its time.
func (c *conn) finishUpload(u *pendingUpload) {
	res, err := c.srv.cfg.Uploads.Inspect(c.ctx, u.asm, u.req.File.Name)
	if err != nil {
		c.srv.cfg.Log.Error("upload not inspected", "request_id", u.id, "error", err)
		res = upload.Result{SHA256: u.asm.SHA256(), Inspection: protocol.InspectionFailed}
	}
	u.asm.Discard()
	res.Apply(u.req.File)
	c.relay(u.id, u.req)
}

// stallUpload blocks an upload that received no chunk within the stall
// timeout, unless it ended meanwhile.
func (c *conn) stallUpload(u *pendingUpload) {
	t := &c.uploads
	t.mu.Lock()
	if t.byID[u.id] != u {
		t.mu.Unlock()
		return
	}
	delete(t.byID, u.id)
	t.mu.Unlock()
	u.asm.Discard()
	c.srv.cfg.Log.Warn("upload stalled", "request_id", u.id, "origin", c.origin, "received_bytes", u.asm.Size())
	c.rejectUpload(u.id, u.id, fmt.Sprintf("no chunk of the upload arrived for %s", c.stall()))
}

// rejectUpload sends an error that refers to message refID and a block
// verdict for the upload request requestID.
func (c *conn) rejectUpload(refID, requestID, reason string) {
	c.send("", &protocol.Error{Code: codeUploadRejected, RefID: refID, Message: "upload rejected: " + reason})
	v := &protocol.Verdict{RequestID: requestID, Decision: protocol.DecisionBlock, PolicyIDs: []string{},
		Message: "Parapet could not inspect this upload, so it is blocked. Try again, and contact your IT helpdesk if this keeps happening.",
		Reason:  "Blocked by the agent because " + reason + "."}
	if err := c.send("", v); err != nil {
		c.srv.cfg.Log.Warn("verdict not sent to extension", "request_id", requestID, "error", err)
	}
}

// discardUploads deletes the assemblies of a closing connection.
func (c *conn) discardUploads() {
	t := &c.uploads
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, u := range t.byID {
		u.timer.Stop()
		u.asm.Discard()
		delete(t.byID, id)
	}
}
