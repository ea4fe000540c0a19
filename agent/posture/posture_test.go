package posture

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"parapet/protocol"
)

func TestCollect(t *testing.T) {
	r, err := Collect(context.Background(), "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("report is invalid: %v", err)
	}
	if r.OS == "" {
		t.Error("got empty os, want the host's")
	}
	if r.AgentVersion != "1.2.3" {
		t.Errorf("got agent_version %q, want 1.2.3", r.AgentVersion)
	}
	if r.CollectedAt.IsZero() {
		t.Error("got zero collected_at")
	}
}

type chanSender chan *protocol.PostureReport

func (c chanSender) SendPosture(r *protocol.PostureReport) error {
	select {
	case c <- r:
		return nil
	default:
		return errors.New("full")
	}
}

func TestLoopSends(t *testing.T) {
	sent := make(chanSender, 1)
	l := &Loop{
		Interval: time.Millisecond,
		Collect: func(context.Context) (*protocol.PostureReport, error) {
			return &protocol.PostureReport{OS: "linux", AgentVersion: "x"}, nil
		},
		Sender: sent,
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Run(ctx) }()
	r := <-sent
	cancel()
	if err := <-done; err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if r.OS != "linux" {
		t.Errorf("got os %q, want linux", r.OS)
	}
}
