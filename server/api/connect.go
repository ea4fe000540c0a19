package api

import (
	"errors"
	"net"
	"net/http"

	"github.com/gorilla/websocket"

	"parapet/server/hub"
	"parapet/server/store"
)

// upgrader accepts only requests without an Origin header. Agents send
// none, while a browser always sends one, so a web page cannot open this
// link with a user's cookies or certificates.
var upgrader = websocket.Upgrader{
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
	CheckOrigin:     func(r *http.Request) bool { return r.Header.Get("Origin") == "" },
}

func (s *server) handleConnect(w http.ResponseWriter, r *http.Request) {
	device := deviceFrom(r)
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has already written an HTTP error response.
		s.log.Info("upgrading agent link", "device_id", device.ID, "error", err)
		return
	}
	s.Hub.Serve(r.Context(), conn, device, sourceIP(r))
}

// authenticateDevice checks the bearer credential and writes a 401 for a
// missing, malformed, unknown or revoked one. A device's pending rotated
// credential is accepted too, and its first use makes it the only valid
// credential.
func (s *server) authenticateDevice(w http.ResponseWriter, r *http.Request) (store.Device, bool) {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		writeUnauthorized(w, "missing bearer credential")
		return store.Device{}, false
	}
	deviceID, secret, ok := splitCredential(token)
	if !ok {
		writeUnauthorized(w, "invalid credential")
		return store.Device{}, false
	}
	device, err := s.Store.Device(r.Context(), deviceID)
	if errors.Is(err, store.ErrNotFound) {
		s.log.Info("agent rejected: unknown device", "device_id", deviceID, "remote_addr", r.RemoteAddr)
		writeUnauthorized(w, "invalid credential")
		return store.Device{}, false
	}
	if err != nil {
		s.log.Error("reading device", "device_id", deviceID, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the device failed")
		return store.Device{}, false
	}

	current := hashMatches(device.CredentialSHA256, secret)
	pending := hashMatches(device.PendingCredentialSHA256, secret)
	if !current && !pending {
		s.log.Warn("agent rejected: wrong credential secret", "device_id", deviceID, "remote_addr", r.RemoteAddr)
		writeUnauthorized(w, "invalid credential")
		return store.Device{}, false
	}
	if !device.RevokedAt.IsZero() {
		s.log.Warn("agent rejected: device revoked", "device_id", deviceID, "remote_addr", r.RemoteAddr)
		writeDeviceRevoked(w)
		return store.Device{}, false
	}
	if pending {
		return s.promoteCredential(w, r, device)
	}
	return device, true
}

// writeDeviceRevoked writes the 401 of a revoked device, with the code and
// user message of the hub's device_revoked error.
func writeDeviceRevoked(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="parapet"`)
	writeJSON(w, http.StatusUnauthorized, errorBody{Error: hub.RevokedMessage, Code: hub.CodeDeviceRevoked})
}

// promoteCredential makes the device's pending credential, which the
// request used, its only credential. A concurrent request may have
// promoted it first, which is fine.
func (s *server) promoteCredential(w http.ResponseWriter, r *http.Request, device store.Device) (store.Device, bool) {
	err := s.Store.PromoteCredential(r.Context(), device.ID, device.PendingCredentialSHA256)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("promoting rotated credential", "device_id", device.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "storing the rotated credential failed")
		return store.Device{}, false
	}
	if err == nil {
		s.log.Info("rotated credential in use; previous credential rejected from now on", "device_id", device.ID)
	}
	device.CredentialSHA256 = device.PendingCredentialSHA256
	device.PendingCredentialSHA256 = nil
	return device, true
}

// hashMatches compares the SHA-256 of secret with sum in constant time. A
// sum of the wrong length, such as a nil pending credential, never matches.
func hashMatches(sum []byte, secret string) bool {
	var hash Secret
	if len(sum) != len(hash) {
		return false
	}
	copy(hash[:], sum)
	return hash.Matches(secret)
}

// sourceIP returns the IP of the link's TCP peer.
// NOTE: a reverse proxy in front of the server would make this the proxy's
// address, because forwarding headers are not trusted.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
