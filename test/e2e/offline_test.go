package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parapet/test/harness"
)

// offlineDownloads is the number of downloads made while the server is
// down.
const offlineDownloads = 50

func TestOfflineActionsDeliveredOnce(t *testing.T) {
	env := startEnv(t, "policies.yaml")
	ctx := context.Background()
	b := env.Browser
	bundlePath := filepath.Join(env.Agent.StateDir(), "policy-bundle.json")
	waitUntil(t, 15*time.Second, "the agent caches the policy bundle", func() bool {
		_, err := os.Stat(bundlePath)
		return err == nil
	})
	if err := env.Server.Stop(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "the agent notices the server is down", func() bool {
		return strings.Contains(env.Agent.Log(), "server connection lost")
	})

	// filestore is sensitive and fails closed, so these downloads land only
	// because the cached bundle's monitor policy decides them.
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range offlineDownloads {
		if err := b.Click("#download-handbook\\.pdf"); err != nil {
			t.Fatal(err)
		}
		want := i + 1
		waitUntil(t, 15*time.Second, fmt.Sprintf("download %d lands", want), func() bool {
			return countDownloads(t, b, "handbook") >= want
		})
	}
	t.Logf("%d offline downloads took %s", offlineDownloads, time.Since(start).Round(time.Millisecond))

	// A Word document is blocked offline by the cached block policy.
	if err := b.Click("#download-q3-forecast\\.docx"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNotice(ctx, 15*time.Second)
	if err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	if notice.Decision != "block" || !strings.Contains(notice.Text, blockMessage) {
		t.Errorf("offline notice %q (%s), want the cached policy's block message", notice.Text, notice.Decision)
	}
	total := offlineDownloads + 1
	queueDir := filepath.Join(env.Agent.StateDir(), "queue")
	waitUntil(t, 10*time.Second, "the queue holds every offline decision", func() bool {
		return countQueued(t, queueDir) == total
	})

	// A crash with a full queue loses nothing.
	env.Agent.Kill()
	if got := countQueued(t, queueDir); got != total {
		t.Fatalf("queue holds %d items after SIGKILL, want %d", got, total)
	}
	if err := env.Agent.Start(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	if err := env.Server.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "the queue is delivered", func() bool {
		return countQueued(t, queueDir) == 0
	})

	rows, err := env.Server.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	decisions := map[string]int{}
	for _, row := range rows {
		if row.DecidedBy != "agent" {
			continue
		}
		seen[row.RequestID]++
		decisions[row.FileName+" "+row.Decision]++
	}
	if len(seen) != total {
		t.Errorf("activity log holds %d agent-decided requests, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("request %s logged %d times, want once", id, n)
		}
	}
	if n := decisions["handbook.pdf monitor"]; n != offlineDownloads {
		t.Errorf("logged %d monitored handbook.pdf downloads, want %d (all: %v)", n, offlineDownloads, decisions)
	}
	if n := decisions["q3-forecast.docx block"]; n != 1 {
		t.Errorf("logged %d blocked q3-forecast.docx downloads, want 1 (all: %v)", n, decisions)
	}
}

func waitUntil(t *testing.T, timeout time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countDownloads(t *testing.T, b *harness.Browser, prefix string) int {
	t.Helper()
	files, err := b.DownloadedFiles()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasPrefix(f, prefix) && !strings.HasSuffix(f, ".crdownload") {
			n++
		}
	}
	return n
}

func countQueued(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

func TestOfflineWithoutBundleFailsClosed(t *testing.T) {
	env := startEnv(t, "policies.yaml")
	ctx := context.Background()
	b := env.Browser
	if err := env.Server.Stop(); err != nil {
		t.Fatal(err)
	}
	// An agent that restarts without its cached bundle while the server
	// is down has only the app list, so the sensitive app fails closed.
	env.Agent.Kill()
	if err := os.Remove(filepath.Join(env.Agent.StateDir(), "policy-bundle.json")); err != nil {
		t.Fatalf("removing the cached bundle: %v", err)
	}
	if err := env.Agent.Start(ctx, env.Server); err != nil {
		t.Fatal(err)
	}
	if err := env.ConnectExtension(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-handbook\\.pdf"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNotice(ctx, 20*time.Second)
	if err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	if notice.Decision != "block" {
		t.Errorf("notice decision %q, want block", notice.Decision)
	}
	if !strings.Contains(notice.Text, "cannot reach its server") {
		t.Errorf("notice text %q does not say that Parapet cannot reach its server", notice.Text)
	}
}
