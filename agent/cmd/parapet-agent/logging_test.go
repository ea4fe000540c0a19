package main

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// sysRecorder replaces the system logger of kardianos/service (syslog,
// the Windows event log), which the tests cannot read back.
type sysRecorder struct{ lines []string }

func (s *sysRecorder) add(level string, v ...any) error {
	s.lines = append(s.lines, level+" "+fmt.Sprint(v...))
	return nil
}
func (s *sysRecorder) Error(v ...any) error   { return s.add("error", v...) }
func (s *sysRecorder) Warning(v ...any) error { return s.add("warning", v...) }
func (s *sysRecorder) Info(v ...any) error    { return s.add("info", v...) }
func (s *sysRecorder) Errorf(f string, a ...any) error {
	return s.add("error", fmt.Sprintf(f, a...))
}
func (s *sysRecorder) Warningf(f string, a ...any) error {
	return s.add("warning", fmt.Sprintf(f, a...))
}
func (s *sysRecorder) Infof(f string, a ...any) error { return s.add("info", fmt.Sprintf(f, a...)) }

func TestSystemHandler(t *testing.T) {
	rec := &sysRecorder{}
	log := slog.New(newSystemHandler(rec, slog.LevelInfo)).With("component", "agent")
	log.Debug("hidden")
	log.Info("agent started", "bridge", "127.0.0.1:47801")
	log.Warn("retrying", "retry_in", "2s")
	log.WithGroup("queue").Error("write failed", "item", "0001.json")
	want := []string{
		`info msg="agent started" component=agent bridge=127.0.0.1:47801`,
		`warning msg=retrying component=agent retry_in=2s`,
		`error msg="write failed" component=agent queue.item=0001.json`,
	}
	if len(rec.lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(rec.lines), len(want), strings.Join(rec.lines, "\n"))
	}
	for i := range want {
		if rec.lines[i] != want[i] {
			t.Errorf("line %d: got %q, want %q", i, rec.lines[i], want[i])
		}
	}
}
