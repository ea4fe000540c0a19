package posture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// System is the probes' access to the machine: commands and files. Tests
// replace it, so each platform's parsers run on fixtures on every OS.
type System interface {
	// Run runs a command and returns its stdout and stderr together.
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
	ReadFile(path string) ([]byte, error)
	Glob(pattern string) ([]string, error)
}

// HostSystem is the System of the machine the agent runs on.
type HostSystem struct{}

// Run runs the command with LC_ALL=C, so tools print untranslated text.
// A missing command returns an error that wraps exec.ErrNotFound.
func (HostSystem) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// A child that keeps the output pipes open after it is killed must
	// not hold the probe past its deadline.
	cmd.WaitDelay = 500 * time.Millisecond
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil && ctx.Err() != nil {
		return out.Bytes(), fmt.Errorf("running %s: %w", name, ctx.Err())
	}
	if err != nil {
		return out.Bytes(), fmt.Errorf("running %s: %w", name, err)
	}
	return out.Bytes(), nil
}

func (HostSystem) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

func (HostSystem) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// commandProblem describes why a probe command gave no usable output, for
// a Check's reason.
func commandProblem(name string, out []byte, err error) string {
	if errors.Is(err, exec.ErrNotFound) {
		return name + ": not installed"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return name + ": timed out"
	}
	msg := firstLine(string(out))
	if msg == "" {
		return fmt.Sprintf("%s: %v", name, err)
	}
	return fmt.Sprintf("%s: %v: %s", name, err, msg)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.TrimSpace(s)
}
