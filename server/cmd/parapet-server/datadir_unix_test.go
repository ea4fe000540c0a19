//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDataDir(t *testing.T) {
	tests := []struct {
		name    string
		mode    os.FileMode
		wantErr bool
		want    os.FileMode
	}{
		{"owner only", 0o700, false, 0o700},
		{"readable by others is tightened", 0o755, false, 0o700},
		{"writable by group is rejected", 0o770, true, 0o770},
		{"writable by all is rejected", 0o777, true, 0o777},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			err := checkDataDir(dir)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "chmod 700") {
				t.Errorf("error %q does not say how to fix it", err)
			}
			info, _ := os.Stat(dir)
			if got := info.Mode().Perm(); got != tt.want {
				t.Errorf("mode after the check %#o, want %#o", got, tt.want)
			}
		})
	}
}
