package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parapet/protocol"
	"parapet/server/auth"
	"parapet/server/store"
)

const (
	// maxEnrollBody is the largest enrollment request body, in bytes.
	maxEnrollBody = 8 << 10
	// maxEnrollField is the longest user, hostname or host_id, in bytes.
	maxEnrollField = 256
)

// handleEnroll stores a new device. The token is the server's own
// enrollment token, which enrolls managed devices without a use limit, or
// one created through /api/v1/enrollment-tokens, of which the enrollment
// consumes one use. Earlier devices with the same non-empty host_id are
// revoked and disconnected, so a machine that enrolls again keeps exactly
// one valid credential.
func (s *server) handleEnroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if status, err := decodeStrict(w, r, &req); err != nil {
		writeError(w, status, err.Error())
		return
	}
	if err := validateEnroll(&req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}

	deviceID, credential, hash, err := newCredential()
	if err != nil {
		s.log.Error("creating credential", "error", err)
		writeError(w, http.StatusInternalServerError, "creating the device credential failed")
		return
	}
	e := store.Enrollment{Device: store.Device{ID: deviceID, User: req.User, Hostname: req.Hostname, HostID: req.HostID,
		Managed: true, CredentialSHA256: hash, EnrolledAt: time.Now().UTC()}}
	if !s.EnrollToken.Matches(req.Token) {
		e.TokenSHA256 = auth.HashToken(req.Token)
	}
	enrolled, err := s.Store.EnrollDevice(r.Context(), e)
	if err != nil {
		s.rejectEnrollment(w, r, &req, err)
		return
	}
	d := enrolled.Device
	for _, old := range enrolled.Replaced {
		closed := s.Hub.Disconnect(old)
		s.log.Info("device replaced by enrollment of the same host", "device_id", old, "new_device_id", d.ID,
			"host_id", d.HostID, "links_closed", closed)
	}
	s.log.Info("device enrolled", "device_id", d.ID, "user", d.User, "hostname", d.Hostname,
		"managed", d.Managed, "enrollment_token_id", d.EnrollmentTokenID)
	writeJSON(w, http.StatusOK, protocol.EnrollResponse{DeviceID: d.ID, Credential: credential})
}

// rejectEnrollment writes the response for an EnrollDevice error: 401 with
// the reason for a token that is unknown, revoked, expired or used up.
func (s *server) rejectEnrollment(w http.ResponseWriter, r *http.Request, req *protocol.EnrollRequest, err error) {
	var message string
	switch {
	case errors.Is(err, store.ErrNotFound):
		message = "token: invalid enrollment token"
	case errors.Is(err, store.ErrTokenRevoked):
		message = "token: enrollment token revoked; ask your administrator for a new one"
	case errors.Is(err, store.ErrTokenExpired):
		message = "token: enrollment token expired; ask your administrator for a new one"
	case errors.Is(err, store.ErrTokenUsedUp):
		message = "token: enrollment token has no uses left; ask your administrator for a new one"
	default:
		s.log.Error("storing enrolled device", "error", err)
		writeError(w, http.StatusInternalServerError, "storing the device failed")
		return
	}
	s.log.Warn("enrollment rejected", "reason", message, "error", err, "remote_addr", r.RemoteAddr,
		"user", truncate(req.User))
	writeUnauthorized(w, message)
}

// decodeStrict decodes one JSON object from the body into v, rejecting
// unknown fields, trailing data and bodies over maxEnrollBody. It returns
// the HTTP status for the error.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) (int, error) {
	body := http.MaxBytesReader(w, r.Body, maxEnrollBody)
	data, err := io.ReadAll(body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than %d bytes", maxEnrollBody)
	}
	if err != nil {
		return http.StatusBadRequest, fmt.Errorf("reading request body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return http.StatusBadRequest, fmt.Errorf("invalid JSON body: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return http.StatusBadRequest, errors.New("invalid JSON body: trailing data after the object")
	}
	return 0, nil
}

func validateEnroll(req *protocol.EnrollRequest) error {
	fields := []struct {
		name, value string
		required    bool
	}{
		{"user", req.User, true},
		{"hostname", req.Hostname, true},
		{"host_id", req.HostID, false},
	}
	for _, f := range fields {
		if err := checkField(f.name, f.value, f.required); err != nil {
			return err
		}
	}
	return nil
}

func checkField(name, value string, required bool) error {
	switch {
	case required && value == "":
		return fmt.Errorf("%s: missing", name)
	case len(value) > maxEnrollField:
		return fmt.Errorf("%s: longer than %d bytes", name, maxEnrollField)
	case !utf8.ValidString(value):
		return fmt.Errorf("%s: not valid UTF-8", name)
	case strings.ContainsFunc(value, unicode.IsControl):
		return fmt.Errorf("%s: contains control characters", name)
	}
	return nil
}

// truncate shortens untrusted text before it goes into a log line.
func truncate(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
