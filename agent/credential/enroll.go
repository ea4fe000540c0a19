package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"parapet/protocol"
)

// maxEnrollResponse bounds the enrollment response body, in bytes.
const maxEnrollResponse = 64 << 10

// Enroller enrolls the device with the server at ServerURL.
type Enroller struct {
	// Client must trust the server's certificate.
	Client    *http.Client
	ServerURL string
	Request   protocol.EnrollRequest
}

// Enroll posts the enrollment request and returns the server's response.
func (e *Enroller) Enroll(ctx context.Context) (protocol.EnrollResponse, error) {
	var out protocol.EnrollResponse
	if e.Request.Token == "" {
		return out, errors.New("enrolling: enrollment token missing. Set enroll_token_file or PARAPET_ENROLL_TOKEN")
	}
	body, err := json.Marshal(e.Request)
	if err != nil {
		return out, fmt.Errorf("enrolling: %w", err)
	}
	url := strings.TrimRight(e.ServerURL, "/") + protocol.EnrollPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return out, fmt.Errorf("enrolling: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.Client.Do(req)
	if err != nil {
		return out, fmt.Errorf("enrolling: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxEnrollResponse))
	if err != nil {
		return out, fmt.Errorf("enrolling: reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("enrolling: server returned %s: %s", resp.Status, snippet(data))
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("enrolling: decoding response: %w", err)
	}
	if err := checkEnrollment(out); err != nil {
		return out, fmt.Errorf("enrolling: invalid response: %w", err)
	}
	return out, nil
}

func snippet(data []byte) string {
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Obtain returns the stored enrollment, enrolling and saving a new one when
// none is stored.
func Obtain(ctx context.Context, store Store, e *Enroller) (protocol.EnrollResponse, error) {
	r, err := store.Load()
	if err == nil || !errors.Is(err, ErrNotFound) {
		return r, err
	}
	r, err = e.Enroll(ctx)
	if err != nil {
		return r, err
	}
	if err := store.Save(r); err != nil {
		return r, fmt.Errorf("saving enrollment in %s: %w", store.Name(), err)
	}
	return r, nil
}
