package api

import (
	"errors"
	"net/http"

	"parapet/protocol"
	"parapet/server/store"
)

// handleRotate issues a new credential for the calling device. The
// credential the request used stays valid until the agent first
// authenticates with the new one; a second rotation before that replaces
// the pending credential. The body must be empty.
func (s *server) handleRotate(w http.ResponseWriter, r *http.Request) {
	device := deviceFrom(r)
	data, ok := readBody(w, r, maxEnrollBody)
	if !ok {
		return
	}
	if len(data) != 0 {
		writeError(w, http.StatusBadRequest, "the request body must be empty")
		return
	}
	credential, hash, err := newDeviceSecret(device.ID)
	if err != nil {
		s.log.Error("creating credential", "device_id", device.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "creating the device credential failed")
		return
	}
	err = s.Store.SetPendingCredential(r.Context(), device.ID, hash)
	if errors.Is(err, store.ErrNotFound) {
		// The device was revoked after authentication.
		writeDeviceRevoked(w)
		return
	}
	if err != nil {
		s.log.Error("storing rotated credential", "device_id", device.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "storing the rotated credential failed")
		return
	}
	s.log.Info("device credential rotated; previous credential valid until the new one is used", "device_id", device.ID)
	writeJSON(w, http.StatusOK, protocol.EnrollResponse{DeviceID: device.ID, Credential: credential})
}
