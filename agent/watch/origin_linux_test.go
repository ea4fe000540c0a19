package watch

import (
	"path/filepath"
	"testing"
)

func TestReadOriginXattr(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		referrer string
		want     Origin
	}{
		{"both", "https://dl.example.com/a.pdf", "https://example.com/",
			Origin{URL: "https://dl.example.com/a.pdf", Referrer: "https://example.com/", Source: SourceXDG}},
		{"url_only", "https://dl.example.com/b.pdf", "",
			Origin{URL: "https://dl.example.com/b.pdf", Source: SourceXDG}},
		{"none", "", "", Origin{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "file.pdf")
			writeFile(t, path, "pdf")
			if tt.url != "" {
				setXattr(t, path, xattrOriginURL, tt.url)
			}
			if tt.referrer != "" {
				setXattr(t, path, xattrReferrerURL, tt.referrer)
			}
			got, err := readOrigin(path)
			if err != nil {
				t.Fatalf("readOrigin: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadOriginMissingFile(t *testing.T) {
	got, err := readOrigin(filepath.Join(t.TempDir(), "missing"))
	if err == nil {
		t.Errorf("got %+v, want an error", got)
	}
}
