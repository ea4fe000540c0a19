// Package posture collects the device facts the agent reports to the
// server: the OS, disk encryption, firewall, screen lock, automatic
// updates, where the credential is stored and whether the browser
// extension checked in recently.
package posture

import (
	"context"
	"log/slog"
	"time"

	"parapet/protocol"
)

// Interval is the default longest time between two posture reports while
// connected, besides the one that follows each hello.
const Interval = 10 * time.Minute

// CheckInterval is how often the loop collects to look for changes.
const CheckInterval = time.Minute

// Collect reads the host facts and returns them as a posture.report body
// stamped with agentVersion and the current time. It runs no probes.
func Collect(ctx context.Context, agentVersion string) (*protocol.PostureReport, error) {
	c := &Collector{AgentVersion: agentVersion, probes: &probeSet{
		diskEncryption: skipped, firewall: skipped, screenLock: skipped, autoUpdates: skipped,
	}}
	r, err := c.Collect(ctx)
	if err != nil {
		return nil, err
	}
	return r.Wire(), nil
}

func skipped(context.Context, System) Check { return unknown("not collected") }

// Sender sends a posture report over the server link. It returns an error
// when the link is down.
type Sender interface {
	SendPosture(*protocol.PostureReport) error
}

// Loop collects a report every CheckInterval and sends it when a fact
// changed since the last report sent, or when Interval has passed since
// then.
type Loop struct {
	// Interval is the longest time between two reports sent.
	Interval time.Duration
	// CheckInterval is the time between two collections; zero means the
	// package's CheckInterval.
	CheckInterval time.Duration
	Collect       func(context.Context) (*Report, error)
	Sender        Sender
	Log           *slog.Logger

	last     *Report
	lastSent time.Time
}

// Run reports until ctx is cancelled. A report that cannot be collected or
// sent is skipped and retried at the next check, and the uplink sends a
// fresh one after every hello anyway.
func (l *Loop) Run(ctx context.Context) error {
	every := l.CheckInterval
	if every == 0 {
		every = CheckInterval
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			l.check(ctx)
		}
	}
}

func (l *Loop) check(ctx context.Context) {
	r, err := l.Collect(ctx)
	if err != nil {
		l.Log.Warn("posture collection failed", "error", err)
		return
	}
	changed := !r.SameFacts(l.last)
	due := time.Since(l.lastSent) >= l.Interval
	if !changed && !due {
		return
	}
	if changed && l.last != nil {
		l.Log.Info("posture changed", "disk_encryption", r.DiskEncryption.State, "firewall", r.Firewall.State,
			"screen_lock", r.ScreenLock.State, "auto_updates", r.AutoUpdates.State,
			"extension_recent", r.Extension.Recent, "credential_store", r.CredentialStore)
	}
	if err := l.Sender.SendPosture(r.Wire()); err != nil {
		l.Log.Debug("posture report skipped", "error", err)
		return
	}
	l.last = r
	l.lastSent = time.Now()
}
