package anomaly

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"parapet/protocol"
)

func TestZeroConfigIsDefault(t *testing.T) {
	got, err := json.Marshal(Config{}.WithDefaults())
	if err != nil {
		t.Fatalf("marshaling config: %v", err)
	}
	want, err := json.Marshal(DefaultConfig())
	if err != nil {
		t.Fatalf("marshaling default config: %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("zero config with defaults:\ngot  %s\nwant %s", got, want)
	}
}

func TestDefaultConfigValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("Validate: got %v, want nil", err)
	}
}

func TestConfigJSON(t *testing.T) {
	doc := `{"mass_download": {"max_files": 50, "window": "90s", "action": "step_up"},
		"new_device": {"disabled": true, "forget_after": "720h"}}`
	var cfg Config
	if err := json.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatalf("unmarshaling config: %v", err)
	}
	cfg = cfg.WithDefaults()
	if cfg.MassDownload.MaxFiles != 50 {
		t.Errorf("max_files: got %d, want 50", cfg.MassDownload.MaxFiles)
	}
	if cfg.MassDownload.Window != Duration(90*time.Second) {
		t.Errorf("window: got %s, want 1m30s", time.Duration(cfg.MassDownload.Window))
	}
	if cfg.MassDownload.Action != ActionStepUp {
		t.Errorf("action: got %s, want step_up", cfg.MassDownload.Action)
	}
	if cfg.MassDownload.MaxBytes != 500<<20 {
		t.Errorf("max_bytes: got %d, want the default %d", cfg.MassDownload.MaxBytes, 500<<20)
	}
	if !cfg.NewDevice.Disabled {
		t.Error("new_device.disabled: got false, want true")
	}
	if cfg.NewDevice.ForgetAfter != Duration(720*time.Hour) {
		t.Errorf("new_device.forget_after: got %s, want 720h", time.Duration(cfg.NewDevice.ForgetAfter))
	}
}

func TestConfigJSONFlattensResponse(t *testing.T) {
	out, err := json.Marshal(DefaultConfig().MassDownload)
	if err != nil {
		t.Fatalf("marshaling: %v", err)
	}
	want := `{"max_files":20,"max_bytes":524288000,"window":"1m0s","disabled":false,"action":"block_user","block_for":"15m0s","severity":"high"}`
	if string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
}

func TestConfigRejectsBadDuration(t *testing.T) {
	var cfg Config
	err := json.Unmarshal([]byte(`{"mass_download": {"window": "60"}}`), &cfg)
	if err == nil || !strings.Contains(err.Error(), `parsing duration "60"`) {
		t.Errorf("got %v, want an error parsing duration \"60\"", err)
	}
}

func TestValidateNamesField(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"negative max files", func(c *Config) { c.MassDownload.MaxFiles = -1 }, "mass_download.max_files: -1 is invalid"},
		{"too many files", func(c *Config) { c.MassDownload.MaxFiles = 1001 }, "mass_download.max_files: 1001 is invalid, it must be between 1 and 1000"},
		{"negative bytes", func(c *Config) { c.MassDownload.MaxBytes = -5 }, "mass_download.max_bytes: -5 is invalid"},
		{"negative window", func(c *Config) { c.SensitiveUpload.Window = Duration(-time.Second) }, "sensitive_upload.window: -1s is invalid"},
		{"unknown action", func(c *Config) { c.RepeatedBlocks.Action = "kill" }, `repeated_blocks.action: "kill" is not one of`},
		{"unknown severity", func(c *Config) { c.NewIPRange.Severity = "urgent" }, `new_ip_range.severity: "urgent" is not one of`},
		{"too many devices", func(c *Config) { c.NewDevice.MaxDevices = 257 }, "new_device.max_devices: 257 is invalid"},
		{"negative block", func(c *Config) { c.NewDevice.BlockFor = Duration(-time.Minute) }, "new_device.block_for: -1m0s is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.change(&cfg)
			_, err := New(cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSensitive(t *testing.T) {
	tests := []struct {
		name string
		file *protocol.FileInfo
		want bool
	}{
		{"no file", nil, false},
		{"plain file", &protocol.FileInfo{Name: "a.txt"}, false},
		{"label", &protocol.FileInfo{Label: &protocol.FileLabel{ID: "x"}}, true},
		{"detector", &protocol.FileInfo{Detectors: []string{"iban"}}, true},
	}
	for _, tt := range tests {
		if got := Sensitive(tt.file); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{time.Minute, "1m"},
		{90 * time.Second, "1m30s"},
		{10 * time.Minute, "10m"},
		{2 * time.Hour, "2h"},
		{90 * time.Minute, "1h30m"},
		{24 * time.Hour, "1 day"},
		{30 * 24 * time.Hour, "30 days"},
		{36 * time.Hour, "36h"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 bytes"},
		{1023, "1023 bytes"},
		{1536, "1.5 KiB"},
		{500 << 20, "500.0 MiB"},
		{3 << 40, "3.0 TiB"},
	}
	for _, tt := range tests {
		if got := formatBytes(tt.in); got != tt.want {
			t.Errorf("formatBytes(%d): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
