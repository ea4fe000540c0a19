// Package config loads and checks the agent's YAML configuration.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"go.yaml.in/yaml/v3"
)

// DevExtensionID is the id of the development build of the extension, fixed
// by the key in extension/manifest.json.
const DevExtensionID = "ghbnpamloifnaljdabnaemelhpdehoae"

// DefaultBridgeListen is the bridge's default listen address.
const DefaultBridgeListen = "127.0.0.1:47801"

// EnrollTokenEnv names the environment variable that may carry the
// enrollment token instead of enroll_token_file.
const EnrollTokenEnv = "PARAPET_ENROLL_TOKEN"

// Config is the agent's configuration. The YAML keys are the snake_case
// names in the struct tags.
type Config struct {
	// ServerURL is the https URL of parapet-server.
	ServerURL string `yaml:"server_url"`
	// ServerCAFile is a PEM file of certificates to trust for the server.
	// When empty, the system roots are trusted.
	ServerCAFile string `yaml:"server_ca_file"`
	// StateDir holds the credential fallback, the policy cache and the
	// activity queue. It is created with mode 0700.
	StateDir string `yaml:"state_dir"`
	// BridgeListen is the loopback address of the extension bridge.
	BridgeListen string `yaml:"bridge_listen"`
	// AllowedExtensionIDs are the extension ids that may open the bridge.
	AllowedExtensionIDs []string `yaml:"allowed_extension_ids"`
	// User is the device's user, until sign-in exists.
	User string `yaml:"user"`
	// EnrollTokenFile contains the enrollment token. EnrollTokenEnv is
	// used when it is empty.
	EnrollTokenFile string `yaml:"enroll_token_file"`
	// VerdictTimeout bounds the wait for the server's verdict before the
	// agent decides by itself.
	VerdictTimeout time.Duration `yaml:"verdict_timeout"`
	// ReconnectMin and ReconnectMax bound the delay between connection
	// attempts to the server.
	ReconnectMin time.Duration `yaml:"reconnect_min"`
	ReconnectMax time.Duration `yaml:"reconnect_max"`
	// LogFile, when set, receives a copy of every log line, appended in
	// slog's text format. The file is created with mode 0600 and never
	// rotated by the agent.
	LogFile string `yaml:"log_file"`
	// PostureInterval is the longest time between two posture reports.
	// A report is also sent as soon as a fact changes.
	PostureInterval time.Duration `yaml:"posture_interval"`
	// CredentialStore selects where the device credential is kept: "auto"
	// (the OS keyring when it works, else STATE_DIR/credential),
	// "keyring" or "file".
	CredentialStore string `yaml:"credential_store"`
	// Files holds the keys of download protection and upload inspection.
	Files `yaml:",inline"`
	// Uplink holds uplink_source_ip and step_up_timeout.
	Uplink `yaml:",inline"`
}

// Default returns a configuration with every default set.
func Default() Config {
	return Config{
		BridgeListen:        DefaultBridgeListen,
		AllowedExtensionIDs: []string{DevExtensionID},
		VerdictTimeout:      5 * time.Second,
		ReconnectMin:        time.Second,
		ReconnectMax:        30 * time.Second,
		PostureInterval:     10 * time.Minute,
		CredentialStore:     "auto",
	}
}

// Load reads the YAML file at path over the defaults. Unknown keys are
// rejected. Load does not validate, so flags can override fields first.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("parsing config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes YAML over the defaults, rejecting unknown keys.
func Parse(data []byte) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&cfg)
	if errors.Is(err, io.EOF) {
		return cfg, nil
	}
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// FillUser sets User to the current OS user's name when it is empty.
func (c *Config) FillUser() {
	if c.User != "" {
		return
	}
	if u, err := user.Current(); err == nil {
		c.User = u.Username
	}
}

// EnrollToken returns the enrollment token from EnrollTokenFile, or from
// the EnrollTokenEnv variable when no file is set. It returns "" when
// neither is set.
func (c *Config) EnrollToken() (string, error) {
	if c.EnrollTokenFile == "" {
		return os.Getenv(EnrollTokenEnv), nil
	}
	data, err := os.ReadFile(c.EnrollTokenFile)
	if err != nil {
		return "", fmt.Errorf("reading enroll_token_file: %w", err)
	}
	return string(bytes.TrimSpace(data)), nil
}
