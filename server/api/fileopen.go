package api

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"parapet/protocol"
	"parapet/server/filekeys"
	"parapet/server/store"
)

// FileOpenPath is the endpoint that returns the file key of a .parapet file
// to a device, authenticated with its device credential like the agent link.
const FileOpenPath = "/agent/v1/files/open"

// fileOpenRequest is the body of a POST to FileOpenPath.
type fileOpenRequest struct {
	// Header is the file's age header, base64-encoded. The payload never
	// leaves the device.
	Header []byte `json:"header"`
	// FileName is the .parapet file's base name, for the activity log.
	FileName string `json:"file_name"`
}

// fileOpenResponse returns the file key, base64-encoded.
type fileOpenResponse struct {
	FileKey []byte `json:"file_key"`
	EventID string `json:"event_id"`
}

// handleFileOpen unwraps the file key of a .parapet file for the device's
// user and logs the opening as an activity. The key is returned only when
// the organization's key or the user's own key is a recipient of the file.
// NOTE: no policy condition can restrict opening yet; the check is being a
// recipient on an enrolled, unrevoked device whose user is not blocked.
func (s *server) handleFileOpen(w http.ResponseWriter, r *http.Request) {
	if s.FileKeys == nil {
		writeError(w, http.StatusNotFound, "this server does not open protected files")
		return
	}
	device := deviceFrom(r)
	var req fileOpenRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if len(req.Header) == 0 {
		writeFieldError(w, http.StatusBadRequest, "header", "header: missing")
		return
	}
	if !validFileName(req.FileName) {
		writeFieldError(w, http.StatusBadRequest, "file_name", "file_name: missing, longer than 1024 bytes, or not a base name")
		return
	}

	var access filekeys.Access
	key, err := s.FileKeys.UnwrapFileKey(req.Header, device.User, func(a filekeys.Access) bool {
		access = a
		return true
	})
	decision := "allow"
	reason := "The device's user " + device.User + " is a recipient of the file."
	switch {
	case errors.Is(err, filekeys.ErrNotRecipient):
		decision = "block"
		reason = "The device's user " + device.User + " is not a recipient of the file."
	case err != nil:
		s.log.Info("rejected file open", "device_id", device.ID, "error", err)
		writeFieldError(w, http.StatusBadRequest, "header", "header: "+err.Error())
		return
	}
	// A user that an admin or an anomaly detector blocked may not open
	// protected files either, as for every other action.
	if decision == "allow" && s.Identity != nil && s.Identity.Access != nil {
		block, blocked, err := s.Identity.Access.Check(r.Context(), device.User)
		if err != nil {
			s.log.Error("checking user block for file open", "device_id", device.ID, "error", err)
			writeError(w, http.StatusInternalServerError, "checking the user's access failed, so the key was not released")
			return
		}
		if blocked {
			decision = "block"
			reason = block.Message()
		}
	}
	id := "act-" + protocol.NewID()
	activity := store.Activity{ID: id, Time: time.Now().UTC(), User: device.User, DeviceID: device.ID,
		Activity: "open", FileName: req.FileName, FileLabel: access.LabelID, SourceIP: sourceIP(r),
		Decision: decision, PolicyIDs: []string{}, Reason: reason, DecidedBy: store.DecidedByServer,
		RequestID: id, Codes: []string{"file_open"}}
	if _, err := s.Store.InsertActivity(r.Context(), activity); err != nil {
		s.log.Error("logging file open", "device_id", device.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "logging the file opening failed, so the key was not released")
		return
	}
	if decision == "block" {
		s.log.Info("file open denied", "device_id", device.ID, "event_id", id)
		writeError(w, http.StatusForbidden, reason+" Event ID: "+id)
		return
	}
	s.log.Info("file opened", "device_id", device.ID, "event_id", id, "target", access.Target)
	writeJSON(w, http.StatusOK, fileOpenResponse{FileKey: key, EventID: id})
}

func validFileName(name string) bool {
	return name != "" && len(name) <= 1024 && utf8.ValidString(name) && !strings.ContainsAny(name, "/\\\x00")
}
