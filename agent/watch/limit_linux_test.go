package watch

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"golang.org/x/sys/unix"
)

var (
	errWatchesExhausted = fmt.Errorf("inotify_add_watch: %w", unix.ENOSPC)
	errTooManyOpenFiles = fmt.Errorf("inotify_init1: %w", unix.EMFILE)
)

func TestIsWatchLimit(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"enospc", errWatchesExhausted, true},
		{"emfile", errTooManyOpenFiles, true},
		{"enoent", fmt.Errorf("adding watch: %w", unix.ENOENT), false},
		{"eacces", unix.EACCES, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := isWatchLimit(tt.err); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWatchLimitFallback(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"enospc", errWatchesExhausted},
		{"emfile", errTooManyOpenFiles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			h := hooks{addWatch: func(*fsnotify.Watcher, string) error { return tt.err }}
			w := startWatcher(t, Config{Dirs: []string{dir}, PollInterval: 50 * time.Millisecond}, h)
			status := w.Status()
			if len(status) != 1 {
				t.Fatalf("Status: got %d folders, want 1", len(status))
			}
			if status[0].Mode != ModePoll {
				t.Errorf("Mode: got %q, want %q", status[0].Mode, ModePoll)
			}
			if !strings.Contains(status[0].Reason, "watch limit reached") {
				t.Errorf("Reason: got %q, want it to contain %q", status[0].Reason, "watch limit reached")
			}
			writeFile(t, filepath.Join(dir, "polled.txt"), "found by polling")
			expectReady(t, w, dir, wantReady{"polled.txt", 16})
		})
	}
}

func TestPollSizeChanging(t *testing.T) {
	dir := t.TempDir()
	const stable = 300 * time.Millisecond
	h := hooks{addWatch: func(*fsnotify.Watcher, string) error { return errWatchesExhausted }}
	w := startWatcher(t, Config{Dirs: []string{dir}, Stable: stable, PollInterval: 20 * time.Millisecond}, h)
	path := filepath.Join(dir, "slow.iso")
	for range 8 {
		appendFile(t, path, strings.Repeat("s", 256))
		time.Sleep(stable / 6)
	}
	expectReady(t, w, dir, wantReady{"slow.iso", 8 * 256})
}
