// Package e2e runs Parapet end to end: the real parapet-server on SQLite,
// the real parapet-agent, the sample file store and Chromium with the real
// extension loaded.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parapet/test/harness"
)

var binDir string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "parapet-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := harness.BuildBinaries(ctx, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// requireChromium skips the test when Chromium is missing, except under
// CI=true, where a missing browser fails the test.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := harness.FindChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %v", err)
		}
		t.Skip(err)
	}
}

// startEnv starts every part with the policies of testdata/NAME and stops
// it when the test ends, keeping the logs when it fails. Each option may
// change the harness options first.
func startEnv(t *testing.T, policies string, options ...func(*harness.Options)) *harness.Env {
	t.Helper()
	requireChromium(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", policies))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts := harness.Options{Dir: dir, BinDir: binDir, Policies: string(data), User: "ana@corp.test", Headless: true}
	for _, option := range options {
		option(&opts)
	}
	env, err := harness.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("starting Parapet: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("stopping Parapet: %v", err)
		}
		if t.Failed() {
			for _, name := range []string{"server.log", "agent.log"} {
				data, _ := os.ReadFile(filepath.Join(dir, name))
				t.Logf("%s:\n%s", name, data)
			}
		}
	})
	return env
}

// artifactPath returns a path under test/e2e/artifacts for screenshots.
func artifactPath(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}
