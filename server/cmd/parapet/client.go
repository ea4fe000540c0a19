package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Environment variables the CLI reads.
const (
	envToken     = "PARAPET_TOKEN"
	envServer    = "PARAPET_SERVER"
	envPassword  = "PARAPET_PASSWORD"
	envConfigDir = "PARAPET_CONFIG_DIR"
)

// requestTimeout bounds one API request.
const requestTimeout = 60 * time.Second

// credentials is the file that `parapet login` writes.
type credentials struct {
	Server    string    `json:"server"`
	CAFile    string    `json:"ca_file,omitempty"`
	Token     string    `json:"token"`
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at"`
}

// credentialsPath returns PARAPET_CONFIG_DIR/credentials.json, or the
// file in the user's config folder, such as ~/.config/parapet on Linux.
func (c *cli) credentialsPath() (string, error) {
	dir := c.getenv(envConfigDir)
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("finding the config folder: %w; set %s", err, envConfigDir)
		}
		dir = filepath.Join(base, "parapet")
	}
	return filepath.Join(dir, "credentials.json"), nil
}

func (c *cli) loadCredentials() (credentials, error) {
	path, err := c.credentialsPath()
	if err != nil {
		return credentials{}, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return credentials{}, nil
	}
	if err != nil {
		return credentials{}, fmt.Errorf("reading stored login: %w", err)
	}
	var cr credentials
	if err := json.Unmarshal(data, &cr); err != nil {
		return credentials{}, fmt.Errorf("reading stored login %s: %w", path, err)
	}
	return cr, nil
}

// saveCredentials writes cr with mode 0600 in a folder with mode 0700.
func (c *cli) saveCredentials(cr credentials) (string, error) {
	path, err := c.credentialsPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating config folder: %w", err)
	}
	data, err := json.MarshalIndent(cr, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding login: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", fmt.Errorf("writing login: %w", err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", fmt.Errorf("writing login: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("writing login: %w", err)
	}
	return path, nil
}

// client is an HTTP client for one server.
type client struct {
	base  string
	token string
	http  *http.Client
}

// newClient resolves the server, CA file and token from the flags, the
// environment and the stored login, in that order. A token is required
// unless needToken is false.
func (c *cli) newClient(needToken bool) (*client, error) {
	stored, err := c.loadCredentials()
	if err != nil {
		return nil, err
	}
	g := c.globals
	server := firstNonEmpty(g.server, c.getenv(envServer), stored.Server, defaultServer)
	sameServer := stored.Server == server
	caFile := g.caFile
	if caFile == "" && sameServer {
		caFile = stored.CAFile
	}
	token := firstNonEmpty(g.token, c.getenv(envToken))
	if token == "" && sameServer {
		token = stored.Token
	}
	if needToken && token == "" {
		return nil, fmt.Errorf("no token: run \"parapet login\", or set --token or %s", envToken)
	}

	u, err := url.Parse(server)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%w: --server must be an https URL such as %s, not %q", errUsage, defaultServer, server)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("reading --ca-file %s: no PEM certificate found", caFile)
		}
		tlsConfig.RootCAs = pool
	}

	transport := &http.Transport{TLSClientConfig: tlsConfig, Proxy: nil}
	return &client{base: strings.TrimSuffix(server, "/"), token: token,
		http: &http.Client{Transport: transport, Timeout: requestTimeout}}, nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// apiError is a 4xx or 5xx response.
type apiError struct {
	Status  int
	Message string
	Field   string
}

func (e *apiError) Error() string {
	msg := fmt.Sprintf("server returned %d: %s", e.Status, e.Message)
	if e.Field != "" {
		msg += " (field " + e.Field + ")"
	}
	return msg
}

// do sends a request and returns the response body of a 2xx response.
func (cl *client) do(method, path, contentType string, body []byte, accept string) ([]byte, http.Header, error) {
	req, err := http.NewRequest(method, cl.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("building request: %w", err)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}

	resp, err := cl.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("sending %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading response of %s %s: %w", method, path, err)
	}

	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
			Field string `json:"field"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return nil, nil, &apiError{Status: resp.StatusCode, Message: e.Error, Field: e.Field}
	}
	return data, resp.Header, nil
}

// getJSON sends a GET and decodes the JSON response into out.
func (cl *client) getJSON(path string, out any) error {
	data, _, err := cl.do(http.MethodGet, path, "", nil, "application/json")
	if err != nil {
		return err
	}
	return decodeResponse(data, out)
}

// send sends body with contentType and decodes the JSON response into
// out.
func (cl *client) send(method, path, contentType string, body []byte, out any) error {
	data, _, err := cl.do(method, path, contentType, body, "application/json")
	if err != nil {
		return err
	}
	return decodeResponse(data, out)
}

func decodeResponse(data []byte, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding server response: %w", err)
	}
	return nil
}
