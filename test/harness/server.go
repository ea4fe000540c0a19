package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Server runs parapet-server on a loopback port with its own data folder.
type Server struct {
	Bin         string
	DataDir     string
	Policies    string
	Addr        string
	AdminToken  string
	EnrollToken string
	// APIPolicies starts the server with --api-policies, so policies live
	// in its database and change through PUT /api/v1/policy; Policies is
	// then applied through the API after the first start.
	APIPolicies bool
	// ExtraArgs and ExtraEnv are added to the command line and the
	// environment, such as the OIDC flags of identity.go.
	ExtraArgs []string
	ExtraEnv  []string

	proc   *process
	client *http.Client
}

// NewServer prepares a server in dir with fresh random tokens.
func NewServer(bin, dir, policies string) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return &Server{
		Bin: bin, DataDir: filepath.Join(dir, "server-data"), Policies: policies,
		Addr:       "127.0.0.1:" + itoa(port),
		AdminToken: randomToken(), EnrollToken: randomToken(),
	}, nil
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// URL is the server's base URL.
func (s *Server) URL() string { return "https://" + s.Addr }

// CAFile is the server's self-signed certificate, which agents trust.
func (s *Server) CAFile() string { return filepath.Join(s.DataDir, "tls.crt") }

// Start runs the server and waits until /healthz answers.
func (s *Server) Start(ctx context.Context) error {
	args := []string{"--listen", s.Addr, "--data-dir", s.DataDir, "--policies", s.Policies}
	if s.APIPolicies {
		args = []string{"--listen", s.Addr, "--data-dir", s.DataDir, "--api-policies"}
	}
	args = append(args, s.ExtraArgs...)
	env := []string{"PARAPET_ADMIN_TOKEN=" + s.AdminToken, "PARAPET_ENROLL_TOKEN=" + s.EnrollToken}
	env = append(env, s.ExtraEnv...)
	logPath := filepath.Join(filepath.Dir(s.DataDir), "server.log")
	proc, err := startProcess("parapet-server", s.Bin, args, env, logPath)
	if err != nil {
		return err
	}
	s.proc = proc
	s.client = nil
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = waitFor(wait, "parapet-server /healthz", func() (bool, error) {
		if done, exitErr := proc.exited(); done {
			return false, fmt.Errorf("parapet-server exited: %v\n%s", exitErr, proc.tail())
		}
		resp, err := s.get(ctx, "/healthz", "")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, proc.tail())
	}
	return nil
}

// PutPolicy applies a YAML policy bundle through PUT /api/v1/policy.
func (s *Server) PutPolicy(ctx context.Context, bundle []byte) error {
	client, err := s.httpClient()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.URL()+"/api/v1/policy", bytes.NewReader(bundle))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("applying policies: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("applying policies: status %s: %s", resp.Status, body)
	}
	return nil
}

// Stop ends the server with SIGTERM.
func (s *Server) Stop() error {
	err := s.proc.stop(10 * time.Second)
	s.proc = nil
	return err
}

func (s *Server) httpClient() (*http.Client, error) {
	if s.client != nil {
		return s.client, nil
	}
	pem, err := os.ReadFile(s.CAFile())
	if err != nil {
		return nil, fmt.Errorf("reading server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("server certificate %s holds no PEM certificate", s.CAFile())
	}
	s.client = &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
	return s.client, nil
}

func (s *Server) get(ctx context.Context, path, token string) (*http.Response, error) {
	client, err := s.httpClient()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+path, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return client.Do(req)
}

// Activity is one row of the server's activity log, as the admin API
// returns it.
type Activity struct {
	ID        string    `json:"id"`
	Time      time.Time `json:"time"`
	User      string    `json:"user"`
	DeviceID  string    `json:"device_id"`
	AppID     string    `json:"app_id"`
	AppHost   string    `json:"app_host"`
	Activity  string    `json:"activity"`
	FileName  string    `json:"file_name"`
	FileSize  int64     `json:"file_size"`
	FileMIME  string    `json:"file_mime"`
	PageURL   string    `json:"page_url"`
	TargetURL string    `json:"target_url"`
	SourceIP  string    `json:"source_ip"`
	Decision  string    `json:"decision"`
	PolicyIDs []string  `json:"policy_ids"`
	Reason    string    `json:"reason"`
	DecidedBy string    `json:"decided_by"`
	RequestID string    `json:"request_id"`
	Codes     []string  `json:"codes"`
	// Explain is the engine's explanation, kept as JSON.
	Explain json.RawMessage `json:"explain"`
	// Stored is what the agent did to a downloaded file, if anything.
	Stored *struct {
		Label      string `json:"label"`
		Encryption string `json:"encryption"`
		SHA256     string `json:"sha256"`
		FileName   string `json:"file_name"`
	} `json:"stored"`
	FileLabel     string   `json:"file_label"`
	FileDetectors []string `json:"file_detectors"`
}

// Activities returns the activity log, newest first.
func (s *Server) Activities(ctx context.Context) ([]Activity, error) {
	resp, err := s.get(ctx, "/api/v1/activities?limit=1000", s.AdminToken)
	if err != nil {
		return nil, fmt.Errorf("listing activities: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("listing activities: status %s", resp.Status)
	}
	var body struct {
		Activities []Activity `json:"activities"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("decoding activities: %w", err)
	}
	return body.Activities, nil
}

// StatusWithToken returns the status of GET path sent with token.
func (s *Server) StatusWithToken(ctx context.Context, path, token string) (int, error) {
	resp, err := s.get(ctx, path, token)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// WaitActivity waits until an activity matching match is in the log.
func (s *Server) WaitActivity(ctx context.Context, timeout time.Duration, match func(Activity) bool) (Activity, error) {
	var found Activity
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := waitFor(wait, "an activity log row", func() (bool, error) {
		rows, err := s.Activities(ctx)
		if err != nil {
			return false, err
		}
		for _, row := range rows {
			if match(row) {
				found = row
				return true, nil
			}
		}
		return false, nil
	})
	return found, err
}
