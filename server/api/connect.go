package api

import (
	"errors"
	"net"
	"net/http"

	"github.com/gorilla/websocket"

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
	device, ok := s.authenticateDevice(w, r)
	if !ok {
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		// Upgrade has already written an HTTP error response.
		s.log.Info("upgrading agent link", "device_id", device.ID, "error", err)
		return
	}
	s.Hub.Serve(r.Context(), conn, device, sourceIP(r))
}

// authenticateDevice checks the bearer credential and writes a 401 for a
// missing, malformed or unknown one.
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
	var hash Secret
	copy(hash[:], device.CredentialSHA256)
	if len(device.CredentialSHA256) != len(hash) || !hash.Matches(secret) {
		s.log.Warn("agent rejected: wrong credential secret", "device_id", deviceID, "remote_addr", r.RemoteAddr)
		writeUnauthorized(w, "invalid credential")
		return store.Device{}, false
	}
	if !device.RevokedAt.IsZero() {
		s.log.Warn("agent rejected: device revoked", "device_id", deviceID, "remote_addr", r.RemoteAddr)
		writeUnauthorized(w, "device credential revoked; enroll the device again")
		return store.Device{}, false
	}
	return device, true
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
