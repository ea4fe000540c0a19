package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Body limits of admin API requests, in bytes.
const (
	maxJSONBody   = 64 << 10
	maxPolicyBody = 1 << 20
)

// readBody reads at most limit bytes of the request body. It writes a 413
// and returns false for a larger body.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", limit))
		return nil, false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "reading request body failed: "+err.Error())
		return nil, false
	}
	return data, true
}

// decodeJSON decodes one JSON object of at most maxJSONBody bytes into v,
// rejecting unknown fields and trailing data. It writes the 4xx itself and
// returns false on failure.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	data, ok := readBody(w, r, maxJSONBody)
	if !ok {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeFieldError(w, http.StatusBadRequest, jsonErrorField(err), "invalid JSON body: "+err.Error())
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "invalid JSON body: trailing data after the object")
		return false
	}
	return true
}

// jsonErrorField returns the field an encoding/json error is about.
func jsonErrorField(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Field
	}
	const unknown = `json: unknown field "`
	if msg := err.Error(); strings.HasPrefix(msg, unknown) {
		return strings.TrimSuffix(strings.TrimPrefix(msg, unknown), `"`)
	}
	return ""
}

// paramError is an invalid query parameter.
type paramError struct {
	Field, Problem string
}

func (e *paramError) Error() string { return e.Field + ": " + e.Problem }

func writeParamError(w http.ResponseWriter, err error) {
	var pe *paramError
	if errors.As(err, &pe) {
		writeFieldError(w, http.StatusBadRequest, pe.Field, err.Error())
		return
	}
	writeError(w, http.StatusBadRequest, err.Error())
}

// Page sizes of the list endpoints.
const (
	defaultPageLimit = 100
	maxPageLimit     = 1000
)

func parseLimit(q url.Values, def, max int) (int, error) {
	value := q.Get("limit")
	if value == "" {
		return def, nil
	}
	limit, err := strconv.Atoi(value)
	if err != nil || limit < 1 || limit > max {
		return 0, &paramError{"limit", fmt.Sprintf("must be an integer from 1 to %d, not %q", max, truncate(value))}
	}
	return limit, nil
}

func parseTime(q url.Values, name string) (time.Time, error) {
	value := q.Get(name)
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, &paramError{name, fmt.Sprintf("must be an RFC 3339 time such as 2026-12-03T10:00:00Z, not %q", truncate(value))}
	}
	return t, nil
}

// checkParams rejects query parameters that the endpoint does not know.
func checkParams(q url.Values, known ...string) error {
	for name := range q {
		found := false
		for _, k := range known {
			if name == k {
				found = true
				break
			}
		}
		if !found {
			return &paramError{name, "unknown query parameter"}
		}
	}
	return nil
}

// listParam returns every value of a repeatable parameter; a value may
// also hold several, separated by commas.
func listParam(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
