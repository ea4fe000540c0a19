package anomaly

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"parapet/protocol"
)

func paste(user, ip, id string, at time.Time) Event {
	return Event{User: user, DeviceID: "dev-1", SourceIP: netip.MustParseAddr(ip),
		Activity: protocol.ActivityPaste, Decision: protocol.DecisionAllow, ActivityID: id, Time: at}
}

func TestNewIPRange(t *testing.T) {
	tests := []struct {
		name   string
		first  string
		second string
		want   bool
	}{
		{"same IPv4 /24", "198.51.100.7", "198.51.100.250", false},
		{"other IPv4 /24", "198.51.100.7", "198.51.101.7", true},
		{"same IPv6 /48", "2001:db8:1::1", "2001:db8:1:ffff::2", false},
		{"other IPv6 /48", "2001:db8:1::1", "2001:db8:2::1", true},
		{"IPv4-mapped is IPv4", "198.51.100.7", "::ffff:198.51.100.8", false},
		{"IPv4 then IPv6", "198.51.100.7", "2001:db8:1::1", true},
		{"zone is ignored", "fe80::1%eth0", "fe80::2%eth1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, clock := newTestDetector(t, alertOnly())
			if got := d.Observe(paste("ana@corp.test", tt.first, "act-1", clock.Now())); len(got) != 0 {
				t.Fatalf("first range of the user: got findings %v, want none", detectorsOf(got))
			}
			got := only(d.Observe(paste("ana@corp.test", tt.second, "act-2", clock.Now())), DetectorNewIPRange)
			want := 0
			if tt.want {
				want = 1
			}
			if len(got) != want {
				t.Fatalf("%s after %s: got %d findings, want %d", tt.second, tt.first, len(got), want)
			}
			if !tt.want {
				return
			}
			if !slices.Equal(got[0].Evidence, []string{"act-2"}) {
				t.Errorf("evidence: got %v, want [act-2]", got[0].Evidence)
			}
		})
	}
}

func TestNewIPRangeOncePerRange(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	d.Observe(paste("ana@corp.test", "198.51.100.7", "act-1", clock.Now()))
	var findings []Finding
	for _, ip := range []string{"203.0.113.1", "203.0.113.2", "198.51.100.9", "203.0.113.3"} {
		findings = append(findings, d.Observe(paste("ana@corp.test", ip, "act", clock.Now()))...)
	}
	if len(findings) != 1 {
		t.Fatalf("got %d findings, want 1 for the one new range", len(findings))
	}
	want := "ana@corp.test used the IP address 203.0.113.1 in 203.0.113.0/24, a range not seen for this user within the last 30 days."
	if findings[0].Reason != want {
		t.Errorf("reason: got %q, want %q", findings[0].Reason, want)
	}
}

func TestNewIPRangeForgets(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	d.Observe(paste("ana@corp.test", "198.51.100.7", "act-1", clock.Now()))
	clock.Advance(20 * 24 * time.Hour)
	d.Observe(paste("ana@corp.test", "203.0.113.1", "act-2", clock.Now()))
	// 198.51.100.0/24 is now 30 days old and forgotten, 203.0.113.0/24
	// is 10 days old and remembered.
	clock.Advance(10 * 24 * time.Hour)
	got := d.Observe(paste("ana@corp.test", "198.51.100.7", "act-3", clock.Now()))
	if len(got) != 1 {
		t.Fatalf("range back after 30 days: got %d findings, want 1", len(got))
	}
	clock.Advance(31 * 24 * time.Hour)
	got = d.Observe(paste("ana@corp.test", "192.0.2.1", "act-4", clock.Now()))
	if len(got) != 0 {
		t.Errorf("first range after every range was forgotten: got findings %v, want none", detectorsOf(got))
	}
}

func TestNewIPRangeEvictsOldest(t *testing.T) {
	cfg := alertOnly()
	cfg.NewIPRange.MaxRanges = 2
	d, clock := newTestDetector(t, cfg)
	steps := []struct {
		ip   string
		want int
	}{
		{"198.51.100.1", 0},
		{"203.0.113.1", 1},
		{"198.51.100.2", 0}, // refreshes 198.51.100.0/24
		{"192.0.2.1", 1},    // evicts 203.0.113.0/24, the least recently seen
		{"198.51.100.3", 0},
		{"203.0.113.2", 1},
	}
	for i, step := range steps {
		clock.Advance(time.Minute)
		if got := d.Observe(paste("ana@corp.test", step.ip, "act", clock.Now())); len(got) != step.want {
			t.Errorf("step %d, %s: got %d findings, want %d", i, step.ip, len(got), step.want)
		}
	}
}

func TestNewIPRangeSkipsMissingAddress(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	d.Observe(paste("ana@corp.test", "198.51.100.7", "act-1", clock.Now()))
	ev := paste("ana@corp.test", "198.51.100.7", "act-2", clock.Now())
	ev.SourceIP = netip.Addr{}
	if got := d.Observe(ev); len(got) != 0 {
		t.Errorf("event without an address: got findings %v, want none", detectorsOf(got))
	}
}

func TestNewDevice(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	steps := []struct {
		name string
		ev   Event
		want int
	}{
		{"first sign-in", signIn("ana@corp.test", "dev-laptop", "198.51.100.7", "act-1", clock.Now()), 0},
		{"same device", signIn("ana@corp.test", "dev-laptop", "198.51.100.7", "act-2", clock.Now()), 0},
		{"download from another device", download("ana@corp.test", "dev-phone", "act-3", 10, clock.Now()), 0},
		{"sign-in from that device", signIn("ana@corp.test", "dev-phone", "192.0.2.10", "act-4", clock.Now()), 1},
		{"sign-in again", signIn("ana@corp.test", "dev-phone", "192.0.2.10", "act-5", clock.Now()), 0},
		{"other user's first sign-in", signIn("bob@corp.test", "dev-phone", "192.0.2.10", "act-6", clock.Now()), 0},
	}
	for _, step := range steps {
		got := only(d.Observe(step.ev), DetectorNewDevice)
		if len(got) != step.want {
			t.Errorf("%s: got %d findings, want %d", step.name, len(got), step.want)
		}
		if len(got) == 0 {
			continue
		}
		if got[0].DeviceID != step.ev.DeviceID {
			t.Errorf("%s: device: got %s, want %s", step.name, got[0].DeviceID, step.ev.DeviceID)
		}
		if !slices.Equal(got[0].Evidence, []string{step.ev.ActivityID}) {
			t.Errorf("%s: evidence: got %v, want [%s]", step.name, got[0].Evidence, step.ev.ActivityID)
		}
	}
}

func TestNewDeviceForgets(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	d.Observe(signIn("ana@corp.test", "dev-laptop", "198.51.100.7", "act-1", clock.Now()))
	clock.Advance(80 * 24 * time.Hour)
	d.Observe(signIn("ana@corp.test", "dev-desktop", "198.51.100.7", "act-2", clock.Now()))
	clock.Advance(10 * 24 * time.Hour)
	got := d.Observe(signIn("ana@corp.test", "dev-laptop", "198.51.100.7", "act-3", clock.Now()))
	if len(got) != 1 {
		t.Errorf("device back after 90 days: got %d findings, want 1", len(got))
	}
}

func TestPrefixOf(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		{"198.51.100.7", "198.51.100.0/24"},
		{"::ffff:198.51.100.7", "198.51.100.0/24"},
		{"2001:db8:1:2::3", "2001:db8:1::/48"},
		{"fe80::1%eth0", "fe80::/48"},
	}
	for _, tt := range tests {
		if got := prefixOf(netip.MustParseAddr(tt.addr)).String(); got != tt.want {
			t.Errorf("prefixOf(%s): got %s, want %s", tt.addr, got, tt.want)
		}
	}
}
