package credential

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"parapet/protocol"
)

// RotatePath is the server endpoint that HTTPRotator posts to.
// NOTE: parapet-server does not serve it yet. The server must reply to a
// POST with "Authorization: Bearer CURRENT" and an empty body with 200 and
// {"device_id","credential"}, and keep accepting CURRENT until the agent
// first connects with the new credential.
const RotatePath = "/agent/v1/credential/rotate"

// HTTPRotator requests a new credential from the server at ServerURL.
type HTTPRotator struct {
	// Client must trust the server's certificate.
	Client    *http.Client
	ServerURL string
}

// Rotate posts to RotatePath with the current credential as bearer token
// and returns the server's new enrollment.
func (h *HTTPRotator) Rotate(ctx context.Context, current protocol.EnrollResponse) (protocol.EnrollResponse, error) {
	var out protocol.EnrollResponse
	url := strings.TrimRight(h.ServerURL, "/") + RotatePath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return out, fmt.Errorf("requesting a new credential: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+current.Credential)
	resp, err := h.Client.Do(req)
	if err != nil {
		return out, fmt.Errorf("requesting a new credential: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxEnrollResponse))
	if err != nil {
		return out, fmt.Errorf("requesting a new credential: reading response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("requesting a new credential: server returned %s: %s", resp.Status, snippet(data))
	}
	if err := json.Unmarshal(data, &out); err != nil {
		// The JSON error could quote the new secret, so it is not wrapped.
		return out, fmt.Errorf("requesting a new credential: response is not valid JSON")
	}
	return out, nil
}
