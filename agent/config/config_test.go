package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const minimal = `
server_url: https://127.0.0.1:8443
state_dir: /tmp/parapet-state
`

func TestParseDefaults(t *testing.T) {
	cfg, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if cfg.BridgeListen != DefaultBridgeListen {
		t.Errorf("got bridge_listen %q, want %q", cfg.BridgeListen, DefaultBridgeListen)
	}
	if len(cfg.AllowedExtensionIDs) != 1 || cfg.AllowedExtensionIDs[0] != DevExtensionID {
		t.Errorf("got allowed_extension_ids %v, want [%s]", cfg.AllowedExtensionIDs, DevExtensionID)
	}
	if cfg.VerdictTimeout != 5*time.Second {
		t.Errorf("got verdict_timeout %s, want 5s", cfg.VerdictTimeout)
	}
	if cfg.PostureInterval != 10*time.Minute {
		t.Errorf("got posture_interval %s, want 10m", cfg.PostureInterval)
	}
	if cfg.CredentialStore != "auto" {
		t.Errorf("got credential_store %q, want auto", cfg.CredentialStore)
	}
	if cfg.LogFile != "" {
		t.Errorf("got log_file %q, want empty", cfg.LogFile)
	}
	if cfg.ReconnectMin != time.Second || cfg.ReconnectMax != 30*time.Second {
		t.Errorf("got reconnect %s..%s, want 1s..30s", cfg.ReconnectMin, cfg.ReconnectMax)
	}
}

func TestParseDurations(t *testing.T) {
	cfg, err := Parse([]byte(minimal + "verdict_timeout: 1500ms\nreconnect_max: 2m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.VerdictTimeout != 1500*time.Millisecond {
		t.Errorf("got verdict_timeout %s, want 1.5s", cfg.VerdictTimeout)
	}
	if cfg.ReconnectMax != 2*time.Minute {
		t.Errorf("got reconnect_max %s, want 2m", cfg.ReconnectMax)
	}
}

func TestParseUnknownKey(t *testing.T) {
	_, err := Parse([]byte(minimal + "bridge_port: 1\n"))
	if err == nil || !strings.Contains(err.Error(), "bridge_port") {
		t.Fatalf("got error %v, want one naming bridge_port", err)
	}
}

func TestValidateRejects(t *testing.T) {
	cases := []struct {
		name  string
		extra string
		field string
	}{
		{"public bridge", "bridge_listen: 0.0.0.0:47801\n", "bridge_listen"},
		{"lan bridge", "bridge_listen: 192.168.1.5:47801\n", "bridge_listen"},
		{"named bridge", "bridge_listen: localhost:47801\n", "bridge_listen"},
		{"no port", "bridge_listen: 127.0.0.1\n", "bridge_listen"},
		{"empty ids", "allowed_extension_ids: []\n", "allowed_extension_ids"},
		{"short id", "allowed_extension_ids: [abc]\n", "allowed_extension_ids[0]"},
		{"id out of range", "allowed_extension_ids: [ghbnpamloifnaljdabnaemelhpdehoaz]\n", "allowed_extension_ids[0]"},
		{"zero timeout", "verdict_timeout: 0s\n", "verdict_timeout"},
		{"max below min", "reconnect_min: 10s\nreconnect_max: 5s\n", "reconnect_max"},
		{"short posture interval", "posture_interval: 5s\n", "posture_interval"},
		{"relative log file", "log_file: agent.log\n", "log_file"},
		{"unknown credential store", "credential_store: vault\n", "credential_store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse([]byte(minimal + c.extra))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
				t.Errorf("got error %v, want one starting with %q", err, c.field+":")
			}
		})
	}
}

func TestValidateServerURL(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8443", "https://127.0.0.1:8443/?a=b", "https:///x", "wss://127.0.0.1"} {
		cfg := Default()
		cfg.ServerURL = u
		cfg.StateDir = "/tmp/x"
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), "server_url:") {
			t.Errorf("%s: got error %v, want one naming server_url", u, err)
		}
	}
}

func TestValidateMissing(t *testing.T) {
	cases := []struct {
		yaml  string
		field string
	}{
		{"state_dir: /tmp/x\n", "server_url"},
		{"server_url: https://127.0.0.1:8443\n", "state_dir"},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.field+": missing") {
			t.Errorf("got error %v, want %s: missing", err, c.field)
		}
	}
}

func TestValidateLoopbackV6(t *testing.T) {
	cfg, _ := Parse([]byte(minimal + "bridge_listen: '[::1]:47801'\n"))
	if err := cfg.Validate(); err != nil {
		t.Errorf("got error %v, want [::1] accepted", err)
	}
}

func TestEnrollToken(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnrollTokenEnv, "from-env")

	cfg := Config{EnrollTokenFile: file}
	got, err := cfg.EnrollToken()
	if err != nil || got != "tok-123" {
		t.Errorf("file: got %q, %v, want tok-123", got, err)
	}
	cfg = Config{}
	got, err = cfg.EnrollToken()
	if err != nil || got != "from-env" {
		t.Errorf("env: got %q, %v, want from-env", got, err)
	}
}
