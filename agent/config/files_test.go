package config

import "testing"

func TestFilesKeys(t *testing.T) {
	cfg, err := Parse([]byte("download_dirs: [/home/a/Downloads]\nmax_inspect_bytes: 1024\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(cfg.DownloadDirs) != 1 || cfg.DownloadDirs[0] != "/home/a/Downloads" {
		t.Errorf("got download_dirs %v, want [/home/a/Downloads]", cfg.DownloadDirs)
	}
	if got := cfg.InspectLimit(); got != 1024 {
		t.Errorf("got inspect limit %d, want 1024", got)
	}
	if got := Default().InspectLimit(); got != DefaultMaxInspectBytes {
		t.Errorf("got default inspect limit %d, want %d", got, DefaultMaxInspectBytes)
	}
}

func TestValidateFiles(t *testing.T) {
	cases := []struct {
		name  string
		files Files
		ok    bool
	}{
		{"defaults", Files{}, true},
		{"negative limit", Files{MaxInspectBytes: -1}, false},
		{"relative dir", Files{DownloadDirs: []string{"Downloads"}}, false},
	}
	for _, c := range cases {
		if err := c.files.ValidateFiles(); (err == nil) != c.ok {
			t.Errorf("%s: got error %v, want ok %v", c.name, err, c.ok)
		}
	}
}
