// Package posture collects the device facts the agent reports to the
// server.
package posture

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"parapet/protocol"

	"github.com/shirou/gopsutil/v4/host"
)

// Interval is how often the agent sends a posture report while connected,
// besides the one that follows each hello.
const Interval = 10 * time.Minute

// Collect reads the host facts with gopsutil and returns them as a report
// stamped with agentVersion and the current time.
func Collect(ctx context.Context, agentVersion string) (*protocol.PostureReport, error) {
	info, err := host.InfoWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("collecting host info: %w", err)
	}
	return &protocol.PostureReport{
		OS:              info.OS,
		Platform:        info.Platform,
		PlatformVersion: info.PlatformVersion,
		KernelVersion:   info.KernelVersion,
		Hostname:        info.Hostname,
		HostID:          info.HostID,
		AgentVersion:    agentVersion,
		CollectedAt:     time.Now().UTC(),
	}, nil
}

// Sender sends a posture report over the server link. It returns an error
// when the link is down.
type Sender interface {
	SendPosture(*protocol.PostureReport) error
}

// Loop sends a fresh report every Interval while the link is up.
type Loop struct {
	Interval time.Duration
	Collect  func(context.Context) (*protocol.PostureReport, error)
	Sender   Sender
	Log      *slog.Logger
}

// Run reports until ctx is cancelled. A report that cannot be collected or
// sent is skipped, because the uplink sends a new one after every hello.
func (l *Loop) Run(ctx context.Context) error {
	ticker := time.NewTicker(l.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			l.report(ctx)
		}
	}
}

func (l *Loop) report(ctx context.Context) {
	r, err := l.Collect(ctx)
	if err != nil {
		l.Log.Warn("posture collection failed", "error", err)
		return
	}
	if err := l.Sender.SendPosture(r); err != nil {
		l.Log.Debug("posture report skipped", "error", err)
	}
}
