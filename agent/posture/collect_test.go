package posture

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type lastMessage time.Time

func (l lastMessage) LastMessage() time.Time { return time.Time(l) }

func constant(c Check) probe { return func(context.Context, System) Check { return c } }

func TestCollectorProbes(t *testing.T) {
	hang := func(ctx context.Context, _ System) Check {
		<-ctx.Done()
		return unknown("cancelled")
	}
	ignore := func(context.Context, System) Check {
		time.Sleep(time.Hour)
		return enabled("never")
	}
	c := &Collector{
		AgentVersion:    "9.9.9",
		Started:         time.Now().Add(-time.Hour),
		ProbeTimeout:    50 * time.Millisecond,
		CredentialStore: func() string { return "file" },
		Extension:       lastMessage(time.Now().Add(-time.Minute)),
		probes: &probeSet{
			diskEncryption: constant(enabled("LUKS")),
			firewall:       hang,
			screenLock:     ignore,
			autoUpdates:    constant(Check{State: StateUnknown}),
		},
	}
	r, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.DiskEncryption.State != StateEnabled {
		t.Errorf("got disk_encryption %+v, want enabled", r.DiskEncryption)
	}
	if r.Firewall.State != StateUnknown || r.Firewall.Reason == "" {
		t.Errorf("got firewall %+v, want unknown with a reason", r.Firewall)
	}
	if r.ScreenLock.State != StateUnknown || !strings.Contains(r.ScreenLock.Reason, "timed out") {
		t.Errorf("got screen_lock %+v, want unknown because it timed out", r.ScreenLock)
	}
	if r.AutoUpdates.Reason == "" {
		t.Errorf("got auto_updates %+v, want a reason filled in", r.AutoUpdates)
	}
	if r.CredentialStore != "file" {
		t.Errorf("got credential_store %q, want file", r.CredentialStore)
	}
	if r.AgentUptimeSeconds < 3600 {
		t.Errorf("got agent_uptime_seconds %d, want at least 3600", r.AgentUptimeSeconds)
	}
	if !r.Extension.Recent || r.Extension.LastSeen == nil {
		t.Errorf("got extension %+v, want recent with last_seen", r.Extension)
	}
	if err := r.Wire().Validate(); err != nil {
		t.Errorf("wire report is invalid: %v", err)
	}
}

func TestCollectorExtension(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name     string
		activity ExtensionActivity
		recent   bool
		lastSeen bool
	}{
		{"none configured", nil, false, false},
		{"never seen", lastMessage(time.Time{}), false, false},
		{"seen now", lastMessage(now), true, true},
		{"seen long ago", lastMessage(now.Add(-time.Hour)), false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := (&Collector{Extension: c.activity}).extension(now)
			if got.Recent != c.recent {
				t.Errorf("got recent %v, want %v", got.Recent, c.recent)
			}
			if (got.LastSeen != nil) != c.lastSeen {
				t.Errorf("got last_seen %v, want present %v", got.LastSeen, c.lastSeen)
			}
		})
	}
}

func TestReportJSONShape(t *testing.T) {
	seen := time.Date(2026, 12, 3, 10, 1, 0, 0, time.UTC)
	r := &Report{OS: "linux", AgentVersion: "1", CredentialStore: "keyring",
		DiskEncryption: enabled("LUKS"), Firewall: unknown("nft: not installed"),
		Extension: Extension{Recent: true, LastSeen: &seen}}
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"os", "agent_uptime_seconds", "credential_store", "disk_encryption",
		"firewall", "screen_lock", "auto_updates", "extension"} {
		if _, ok := m[key]; !ok {
			t.Errorf("got JSON without %q: %s", key, data)
		}
	}
	fw := m["firewall"].(map[string]any)
	if fw["state"] != "unknown" || fw["reason"] != "nft: not installed" {
		t.Errorf("got firewall %v, want state unknown with its reason", fw)
	}
	if ext := m["extension"].(map[string]any); ext["last_seen"] != "2026-12-03T10:01:00Z" {
		t.Errorf("got extension %v, want last_seen 2026-12-03T10:01:00Z", ext)
	}
}
