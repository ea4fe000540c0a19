// Package web holds the HTTP helpers that the identity handlers share.
package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// MaxBodySize bounds request bodies of the identity endpoints. WebAuthn
// responses are the largest, a few KiB.
const MaxBodySize = 64 << 10

// WriteJSON sends v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteError sends {"error": message} with status.
func WriteError(w http.ResponseWriter, status int, message string) {
	WriteJSON(w, status, map[string]string{"error": message})
}

// DecodeJSON reads one JSON object of at most MaxBodySize bytes from r
// into v and rejects unknown fields.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodySize))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding request body: %w", err)
	}
	return nil
}

// WantsJSON reports whether the request body is JSON rather than a form.
func WantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

// FormValue reads field from a JSON object or a url-encoded form body.
func FormValue(w http.ResponseWriter, r *http.Request, field string) (string, error) {
	if WantsJSON(r) {
		var body map[string]string
		if err := DecodeJSON(w, r, &body); err != nil {
			return "", err
		}
		return body[field], nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodySize)
	if err := r.ParseForm(); err != nil {
		return "", fmt.Errorf("parsing form: %w", err)
	}
	return r.PostForm.Get(field), nil
}

// SetPageHeaders sets headers for the identity HTML pages: no caching, no
// framing, no referrer, and a content security policy that allows only
// the page's own inline style and script with nonce, and forms posting to
// the server's origin.
func SetPageHeaders(w http.ResponseWriter, scriptNonce string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	csp := "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
	if scriptNonce != "" {
		csp += "; script-src 'nonce-" + scriptNonce + "'"
	}
	h.Set("Content-Security-Policy", csp)
}
