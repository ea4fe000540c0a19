package posture

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/host"
)

// DefaultProbeTimeout bounds each probe.
const DefaultProbeTimeout = 2 * time.Second

// DefaultExtensionWindow is the maximum age of the extension's last
// message for it to count as checked in. The bridge pings each extension every
// 30 s, and the pong counts as a message.
const DefaultExtensionWindow = 5 * time.Minute

// probe returns one check. It must return soon after ctx ends.
type probe func(ctx context.Context, sys System) Check

// probeSet is one OS's probes.
type probeSet struct {
	diskEncryption, firewall, screenLock, autoUpdates probe
}

// ExtensionActivity returns when a browser extension last sent a message
// to the agent, or the zero time when none has. The bridge implements it.
type ExtensionActivity interface {
	LastMessage() time.Time
}

// Collector gathers a Report. The zero value of every optional field
// works.
type Collector struct {
	AgentVersion string
	// Started is when the agent started, for the uptime.
	Started time.Time
	// System is the machine the probes read; nil means HostSystem.
	System System
	// ProbeTimeout bounds each probe; zero means DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// CredentialStore returns "keyring" or "file"; nil leaves the field
	// empty.
	CredentialStore func() string
	// Extension reports the bridge's last message; nil reports none.
	Extension ExtensionActivity
	// ExtensionWindow is the maximum age of the last message for
	// Extension.Recent. Zero means DefaultExtensionWindow.
	ExtensionWindow time.Duration

	// probes replaces platformProbes in tests.
	probes *probeSet
}

// Collect runs every probe at once, each under its own timeout, and
// returns the report. A probe that fails or times out is reported as
// unknown with a reason, so only a failure to read the basic host facts
// is an error.
func (c *Collector) Collect(ctx context.Context) (*Report, error) {
	info, err := host.InfoWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("collecting host info: %w", err)
	}
	now := time.Now().UTC()
	r := &Report{
		OS:              info.OS,
		Platform:        info.Platform,
		PlatformVersion: info.PlatformVersion,
		KernelVersion:   info.KernelVersion,
		Hostname:        info.Hostname,
		HostID:          info.HostID,
		AgentVersion:    c.AgentVersion,
		CollectedAt:     now,
	}
	if !c.Started.IsZero() {
		r.AgentUptimeSeconds = int64(now.Sub(c.Started) / time.Second)
	}
	if c.CredentialStore != nil {
		r.CredentialStore = c.CredentialStore()
	}
	r.Extension = c.extension(now)

	probes := platformProbes
	if c.probes != nil {
		probes = *c.probes
	}
	var wg sync.WaitGroup
	for _, job := range []struct {
		dst *Check
		run probe
	}{
		{&r.DiskEncryption, probes.diskEncryption},
		{&r.Firewall, probes.firewall},
		{&r.ScreenLock, probes.screenLock},
		{&r.AutoUpdates, probes.autoUpdates},
	} {
		wg.Go(func() { *job.dst = c.runProbe(ctx, job.run) })
	}
	wg.Wait()
	return r, nil
}

func (c *Collector) extension(now time.Time) Extension {
	if c.Extension == nil {
		return Extension{}
	}
	last := c.Extension.LastMessage()
	if last.IsZero() {
		return Extension{}
	}
	window := c.ExtensionWindow
	if window == 0 {
		window = DefaultExtensionWindow
	}
	last = last.UTC()
	return Extension{Recent: now.Sub(last) <= window, LastSeen: &last}
}

// runProbe runs p with the probe timeout. When p does not return in time,
// runProbe returns unknown and leaves p to finish in the background.
func (c *Collector) runProbe(ctx context.Context, p probe) Check {
	timeout := c.ProbeTimeout
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	sys := c.System
	if sys == nil {
		sys = HostSystem{}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan Check, 1)
	go func() { done <- p(ctx, sys) }()
	select {
	case check := <-done:
		if check.State == StateUnknown && check.Reason == "" {
			check.Reason = "probe gave no reason"
		}
		return check
	case <-ctx.Done():
		return unknown(fmt.Sprintf("probe timed out after %s", timeout))
	}
}
