package offline

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"parapet/server/bundle"
)

// Paths of the agent endpoints that serve the bundle key and the bundle.
const (
	BundleKeyPath    = "/agent/v1/bundle-key"
	PolicyBundlePath = "/agent/v1/policy-bundle"
)

// CodeDeviceRevoked is the error code of a revoked device's credential.
const CodeDeviceRevoked = "device_revoked"

// RevokedError is returned for a 401 response with the code
// device_revoked.
type RevokedError struct {
	// Message is the server's sentence for the user.
	Message string
}

func (e *RevokedError) Error() string { return "device revoked: " + e.Message }

// Client fetches the bundle key and the bundle from the server.
type Client struct {
	HTTP      *http.Client
	ServerURL string
}

// FetchKey returns the server's current bundle key.
func (c *Client) FetchKey(ctx context.Context, credential string) (ed25519.PublicKey, error) {
	resp, err := c.get(ctx, BundleKeyPath, credential, "")
	if err != nil {
		return nil, fmt.Errorf("fetching bundle key: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err != nil {
		return nil, fmt.Errorf("fetching bundle key: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching bundle key: %w", statusError(resp, data))
	}
	return decodeKey(data)
}

// FetchBundle returns the server's bundle, or nil and no error for a 304
// response to etag.
func (c *Client) FetchBundle(ctx context.Context, credential, etag string) ([]byte, error) {
	resp, err := c.get(ctx, PolicyBundlePath, credential, etag)
	if err != nil {
		return nil, fmt.Errorf("fetching policy bundle: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, bundle.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("fetching policy bundle: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching policy bundle: %w", statusError(resp, data))
	}
	return data, nil
}

func (c *Client) get(ctx context.Context, path, credential, etag string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.ServerURL, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+credential)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	return c.HTTP.Do(req)
}

// statusError turns an error response into an error, a *RevokedError for
// a revoked device.
func statusError(resp *http.Response, body []byte) error {
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	json.Unmarshal(body, &e)
	if resp.StatusCode == http.StatusUnauthorized && e.Code == CodeDeviceRevoked {
		return &RevokedError{Message: e.Error}
	}
	if e.Error != "" {
		return fmt.Errorf("server response %s: %s", resp.Status, e.Error)
	}
	return fmt.Errorf("server response %s", resp.Status)
}

// IsRevoked reports whether err is a *RevokedError and returns its message.
func IsRevoked(err error) (string, bool) {
	var r *RevokedError
	if errors.As(err, &r) {
		return r.Message, true
	}
	return "", false
}
