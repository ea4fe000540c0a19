package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/kardianos/service"
)

// logs is the agent's logger and the file it may keep open.
type logs struct {
	logger *slog.Logger
	// fallbackErr is the error from opening the system log. When it is
	// set, the logger writes to stderr instead.
	fallbackErr error
	file        *os.File
}

func (l *logs) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.Close()
}

// openLogs builds the agent's logger. Run from a terminal it writes text to
// stderr. Run by the service manager it writes to the platform log through
// kardianos/service: syslog (which journald collects) on Linux and macOS,
// the event log on Windows. When logFile is set, every line is also
// appended to that file.
func openLogs(logFile string, level slog.Leveler, stderr io.Writer, svc service.Service) (*logs, error) {
	opts := &slog.HandlerOptions{Level: level}
	out := &logs{}
	var primary slog.Handler
	if service.Interactive() {
		primary = slog.NewTextHandler(stderr, opts)
	} else if sys, err := svc.SystemLogger(nil); err != nil {
		out.fallbackErr = err
		primary = slog.NewTextHandler(stderr, opts)
	} else {
		primary = newSystemHandler(sys, level)
	}
	if logFile == "" {
		out.logger = slog.New(primary)
		return out, nil
	}
	f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening log_file: %w", err)
	}
	out.file = f
	out.logger = slog.New(slog.NewMultiHandler(primary, slog.NewTextHandler(f, opts)))
	return out, nil
}

// systemHandler is a slog.Handler that sends each record as one line to a
// kardianos/service system logger. The line is slog's text format without
// time and level, because the system log stores both itself: Error and
// above go out as errors, Warn as warnings, everything else as info.
type systemHandler struct {
	sys   service.Logger
	level slog.Leveler
	// text writes into buf, which mu guards. Handlers derived with
	// WithAttrs or WithGroup share both.
	text slog.Handler
	mu   *sync.Mutex
	buf  *bytes.Buffer
}

func newSystemHandler(sys service.Logger, level slog.Leveler) *systemHandler {
	buf := &bytes.Buffer{}
	text := slog.NewTextHandler(buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	})
	return &systemHandler{sys: sys, level: level, text: text, mu: &sync.Mutex{}, buf: buf}
}

func (h *systemHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *systemHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	line := strings.TrimSuffix(h.buf.String(), "\n")
	switch {
	case r.Level >= slog.LevelError:
		return h.sys.Error(line)
	case r.Level >= slog.LevelWarn:
		return h.sys.Warning(line)
	default:
		return h.sys.Info(line)
	}
}

func (h *systemHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.text = h.text.WithAttrs(attrs)
	return &c
}

func (h *systemHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.text = h.text.WithGroup(name)
	return &c
}
