package watch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testStable   = 50 * time.Millisecond
	eventTimeout = 10 * time.Second
)

// wantReady is an expected Ready event: base name and size in bytes.
type wantReady struct {
	name string
	size int64
}

func (r wantReady) String() string { return fmt.Sprintf("%s (%d bytes)", r.name, r.size) }

// startWatcher creates a Watcher on cfg and runs it until the test ends.
func startWatcher(t *testing.T, cfg Config, h hooks) *Watcher {
	t.Helper()
	if cfg.Stable == 0 {
		cfg.Stable = testStable
	}
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	w, err := newWatcher(cfg, h)
	if err != nil {
		t.Fatalf("newWatcher: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return w
}

var sentinelCount atomic.Int64

// expectReady writes a sentinel file into dir, collects the Ready events
// that arrive before the sentinel's own, and checks them against want in
// any order. A sentinel written after the scenario is due after every event
// the scenario caused, so extra events show up before it.
func expectReady(t *testing.T, w *Watcher, dir string, want ...wantReady) []Ready {
	t.Helper()
	sentinel := filepath.Join(dir, fmt.Sprintf("zz-sentinel-%d", sentinelCount.Add(1)))
	writeFile(t, sentinel, "sentinel")
	var events []Ready
	deadline := time.After(eventTimeout)
	for {
		select {
		case r, ok := <-w.Events():
			if !ok {
				t.Fatalf("Events closed before the sentinel's Ready")
			}
			if r.Path == sentinel {
				checkReady(t, events, want)
				return events
			}
			events = append(events, r)
		case <-deadline:
			t.Fatalf("no Ready for the sentinel within %v; got %v before it", eventTimeout, summarize(events))
		}
	}
}

func checkReady(t *testing.T, events []Ready, want []wantReady) {
	t.Helper()
	got := summarize(events)
	want = slices.Clone(want)
	slices.SortFunc(want, compareWant)
	if !slices.Equal(got, want) {
		t.Errorf("Ready events: got %v, want %v", got, want)
	}
}

func summarize(events []Ready) []wantReady {
	out := make([]wantReady, 0, len(events))
	for _, r := range events {
		out = append(out, wantReady{filepath.Base(r.Path), r.Size})
	}
	slices.SortFunc(out, compareWant)
	return out
}

func compareWant(a, b wantReady) int {
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return int(a.size - b.size)
}

// waitFor fails the test unless one Ready for path arrives in time.
func waitFor(t *testing.T, w *Watcher, path string) Ready {
	t.Helper()
	deadline := time.After(eventTimeout)
	for {
		select {
		case r := <-w.Events():
			if r.Path == path {
				return r
			}
			t.Errorf("unexpected Ready for %s while waiting for %s", r.Path, path)
		case <-deadline:
			t.Fatalf("no Ready for %s within %v", path, eventTimeout)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
