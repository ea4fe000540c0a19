package posture

import (
	"context"
	"testing"
	"time"
)

// TestLinuxProbesForReal runs every probe against this machine. The
// results depend on the machine, so it checks only that each probe
// returns a valid state, with a reason when unknown, within its timeout.
func TestLinuxProbesForReal(t *testing.T) {
	c := &Collector{AgentVersion: "test", Started: time.Now()}
	start := time.Now()
	r, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// All probes run at once, so the whole collection is bounded by one
	// probe timeout plus process start-up; 5 s is the deadline, not a
	// speed target.
	if elapsed := time.Since(start); elapsed > DefaultProbeTimeout+3*time.Second {
		t.Errorf("collection took %s, want it bounded by the %s probe timeout", elapsed, DefaultProbeTimeout)
	}
	for name, check := range map[string]Check{
		"disk_encryption": r.DiskEncryption, "firewall": r.Firewall,
		"screen_lock": r.ScreenLock, "auto_updates": r.AutoUpdates,
	} {
		switch check.State {
		case StateEnabled, StateDisabled:
			if check.Detail == "" {
				t.Errorf("%s: got %s without a detail", name, check.State)
			}
		case StateUnknown:
			if check.Reason == "" {
				t.Errorf("%s: got unknown without a reason", name)
			}
		default:
			t.Errorf("%s: got state %q, want enabled, disabled or unknown", name, check.State)
		}
		t.Logf("%s: %+v", name, check)
	}
	if r.OS != "linux" {
		t.Errorf("got os %q, want linux", r.OS)
	}
	if r.KernelVersion == "" {
		t.Error("got empty kernel_version")
	}
}
