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
	"parapet/server/store"
)

const (
	// maxEnrollBody is the largest enrollment request body, in bytes.
	maxEnrollBody = 8 << 10
	// maxEnrollField is the longest user, hostname or host_id, in bytes.
	maxEnrollField = 256
)

func (s *server) handleEnroll(w http.ResponseWriter, r *http.Request) {
	var req protocol.EnrollRequest
	if status, err := decodeStrict(w, r, &req); err != nil {
		writeError(w, status, err.Error())
		return
	}
	if !s.EnrollToken.Matches(req.Token) {
		s.log.Warn("enrollment rejected: invalid token", "remote_addr", r.RemoteAddr, "user", truncate(req.User))
		writeUnauthorized(w, "token: invalid enrollment token")
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
	device := store.Device{ID: deviceID, User: req.User, Hostname: req.Hostname, HostID: req.HostID,
		Managed: true, CredentialSHA256: hash, EnrolledAt: time.Now().UTC()}
	if err := s.Store.CreateDevice(r.Context(), device); err != nil {
		s.log.Error("storing enrolled device", "device_id", deviceID, "error", err)
		writeError(w, http.StatusInternalServerError, "storing the device failed")
		return
	}
	s.log.Info("device enrolled", "device_id", deviceID, "user", req.User, "hostname", req.Hostname)
	writeJSON(w, http.StatusOK, protocol.EnrollResponse{DeviceID: deviceID, Credential: credential})
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
