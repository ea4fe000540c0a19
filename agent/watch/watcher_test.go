package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

func TestFirefoxPlaceholder(t *testing.T) {
	tests := []struct {
		name  string
		steps func(t *testing.T, final, part string)
	}{
		{"part_renamed", func(t *testing.T, final, part string) {
			rename(t, part, final)
		}},
		{"placeholder_filled", func(t *testing.T, final, part string) {
			remove(t, part)
			appendFile(t, final, strings.Repeat("p", 3*1000))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			w := startWatcher(t, Config{Dirs: []string{dir}}, hooks{})
			final := filepath.Join(dir, "report.pdf")
			part := filepath.Join(dir, "report.pdf.Xa1b2.part")
			writeFile(t, final, "")
			writeFile(t, part, "")
			for range 3 {
				appendFile(t, part, strings.Repeat("p", 1000))
				// Longer than the stability interval, so an empty
				// placeholder that counted as ready would be reported.
				time.Sleep(2 * testStable)
			}
			tt.steps(t, final, part)
			expectReady(t, w, dir, wantReady{"report.pdf", 3000})
		})
	}
}

func TestSizeChanging(t *testing.T) {
	dir := t.TempDir()
	const stable = 300 * time.Millisecond
	w := startWatcher(t, Config{Dirs: []string{dir}, Stable: stable}, hooks{})
	path := filepath.Join(dir, "video.mp4")
	for range 8 {
		appendFile(t, path, strings.Repeat("v", 512))
		time.Sleep(stable / 10)
	}
	expectReady(t, w, dir, wantReady{"video.mp4", 8 * 512})
}

func TestRemovedBeforeReady(t *testing.T) {
	dir := t.TempDir()
	w := startWatcher(t, Config{Dirs: []string{dir}, Stable: 300 * time.Millisecond}, hooks{})
	path := filepath.Join(dir, "gone.zip")
	writeFile(t, path, "partial")
	remove(t, path)
	expectReady(t, w, dir)
}

func TestRedownloadNewName(t *testing.T) {
	dir := t.TempDir()
	w := startWatcher(t, Config{Dirs: []string{dir}}, hooks{})
	first := filepath.Join(dir, "invoice.pdf")
	writeFile(t, first, "same bytes")
	waitFor(t, w, first)
	writeFile(t, filepath.Join(dir, "invoice (1).pdf"), "same bytes")
	expectReady(t, w, dir, wantReady{"invoice (1).pdf", 10})
}

func TestAtomicReplaceTwice(t *testing.T) {
	dir := t.TempDir()
	w := startWatcher(t, Config{Dirs: []string{dir}}, hooks{})
	path := filepath.Join(dir, "file")
	for i, content := range []string{"one", "second", "third version"} {
		temp := filepath.Join(dir, ".file.atomic")
		writeFile(t, temp, content)
		rename(t, temp, path)
		r := waitFor(t, w, path)
		if r.Size != int64(len(content)) {
			t.Errorf("replace %d: got size %d, want %d", i, r.Size, len(content))
		}
	}
	expectReady(t, w, dir)
}

func TestMetadataChangeNoEvent(t *testing.T) {
	dir := t.TempDir()
	w := startWatcher(t, Config{Dirs: []string{dir}}, hooks{})
	path := filepath.Join(dir, "photo.jpg")
	writeFile(t, path, "jpeg")
	waitFor(t, w, path)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	expectReady(t, w, dir)
}

func TestReportExisting(t *testing.T) {
	tests := []struct {
		name   string
		report bool
		want   []wantReady
	}{
		{"on", true, []wantReady{{"old.iso", 4}}},
		{"off", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "old.iso"), "data")
			writeFile(t, filepath.Join(dir, "old.iso.crdownload"), "temp")
			w := startWatcher(t, Config{Dirs: []string{dir}, ReportExisting: tt.report}, hooks{})
			expectReady(t, w, dir, tt.want...)
		})
	}
}

func TestOverflowRescan(t *testing.T) {
	dir := t.TempDir()
	lost := filepath.Join(dir, "lost.bin")
	injected := make(chan error, 1)
	h := hooks{
		dropEvent: func(ev fsnotify.Event) bool { return ev.Name == lost },
		errors:    injected,
	}
	w := startWatcher(t, Config{Dirs: []string{dir}}, h)
	seen := filepath.Join(dir, "seen.bin")
	writeFile(t, seen, "reported before the overflow")
	waitFor(t, w, seen)
	writeFile(t, lost, "created while events were lost")
	injected <- fmt.Errorf("reading events: %w", fsnotify.ErrEventOverflow)
	expectReady(t, w, dir, wantReady{"lost.bin", 30})
}

func TestFolderRecreated(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "Downloads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := startWatcher(t, Config{Dirs: []string{dir}, PollInterval: 50 * time.Millisecond}, hooks{})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "after.txt"), "recreated")
	expectReady(t, w, dir, wantReady{"after.txt", 9})
}

func TestNewRejectsConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no_dirs", Config{}},
		{"negative_stable", Config{Dirs: []string{"/tmp"}, Stable: -time.Second}},
		{"negative_poll", Config{Dirs: []string{"/tmp"}, PollInterval: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := New(tt.cfg)
			if err == nil {
				t.Errorf("New: got watcher %v, want an error", w)
			}
		})
	}
}
