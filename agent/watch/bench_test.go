package watch

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

const benchStable = 5 * time.Millisecond

func benchWatcher(b *testing.B, dir string, stable time.Duration) (*Watcher, func()) {
	b.Helper()
	w, err := New(Config{Dirs: []string{dir}, Stable: stable, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			b.Error(err)
		}
	}()
	return w, func() { cancel(); <-done }
}

// BenchmarkRenameToReady measures the time from renaming a finished
// temporary file to its final name until its Ready event, with a 5 ms
// stability interval. The interval is part of the latency.
func BenchmarkRenameToReady(b *testing.B) {
	dir := b.TempDir()
	w, stop := benchWatcher(b, dir, benchStable)
	defer stop()
	var total time.Duration
	i := 0
	for b.Loop() {
		i++
		temp := filepath.Join(dir, fmt.Sprintf("f%d.bin.crdownload", i))
		final := filepath.Join(dir, fmt.Sprintf("f%d.bin", i))
		if err := os.WriteFile(temp, []byte("payload"), 0o644); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := os.Rename(temp, final); err != nil {
			b.Fatal(err)
		}
		for r := range w.Events() {
			if r.Path == final {
				break
			}
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(i), "µs/rename_to_ready")
	b.ReportMetric(float64((total-time.Duration(i)*benchStable).Microseconds())/float64(i), "µs/overhead")
}

// BenchmarkBurst10k writes 10,000 files into one folder as fast as possible
// and measures the time until every one has its Ready event, with a 50 ms
// stability interval, and the peak goroutine count during the burst.
func BenchmarkBurst10k(b *testing.B) {
	const files = 10_000
	b.ReportAllocs()
	var peak atomic.Int64
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		w, stop := benchWatcher(b, dir, 50*time.Millisecond)
		sampled := sampleGoroutines(&peak)
		b.StartTimer()
		go func() {
			for i := range files {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%05d.dat", i)), []byte("0123456789"), 0o644); err != nil {
					b.Error(err)
					return
				}
			}
		}()
		seen := make(map[string]bool, files)
		for len(seen) < files {
			r, ok := <-w.Events()
			if !ok {
				b.Fatal("Events closed early")
			}
			seen[r.Path] = true
		}
		b.StopTimer()
		sampled()
		stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak.Load()), "peak_goroutines")
}

// sampleGoroutines records the maximum runtime.NumGoroutine into peak every
// millisecond until the returned function is called.
func sampleGoroutines(peak *atomic.Int64) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			n := int64(runtime.NumGoroutine())
			if n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
