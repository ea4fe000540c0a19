package anomaly

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"parapet/protocol"
)

// epoch is the start of every fake clock.
var epoch = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// fakeClock is a test clock that changes only through Advance and Set. It is
// safe for concurrent use.
type fakeClock struct{ nanos atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.nanos.Store(epoch.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.nanos.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.nanos.Add(int64(d)) }
func (c *fakeClock) Set(t time.Time)         { c.nanos.Store(t.UnixNano()) }

func newTestDetector(t testing.TB, cfg Config) (*Detector, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	d, err := New(cfg, clock.Now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d, clock
}

// alertOnly returns the defaults with every action set to alert, so that
// tests of a detector's count are not affected by blocks.
func alertOnly() Config {
	c := DefaultConfig()
	c.MassDownload.Action = ActionAlert
	c.SensitiveUpload.Action = ActionAlert
	c.RepeatedBlocks.Action = ActionAlert
	c.NewIPRange.Action = ActionAlert
	c.NewDevice.Action = ActionAlert
	return c
}

// sequence hands out activity ids act-1, act-2, ...
type sequence struct{ n int }

func (s *sequence) next() string {
	s.n++
	return fmt.Sprintf("act-%d", s.n)
}

func download(user, device, id string, size int64, at time.Time) Event {
	return Event{User: user, DeviceID: device, SourceIP: netip.MustParseAddr("192.0.2.10"),
		Activity: protocol.ActivityDownload, Decision: protocol.DecisionAllow,
		FileSize: size, ActivityID: id, Time: at}
}

func upload(user, id string, sensitive bool, at time.Time) Event {
	return Event{User: user, DeviceID: "dev-1", SourceIP: netip.MustParseAddr("192.0.2.10"),
		Activity: protocol.ActivityUpload, Decision: protocol.DecisionAllow,
		FileSize: 100, Sensitive: sensitive, ActivityID: id, Time: at}
}

func signIn(user, device, ip, id string, at time.Time) Event {
	return Event{User: user, DeviceID: device, SourceIP: netip.MustParseAddr(ip),
		Activity: protocol.ActivitySignIn, Decision: protocol.DecisionAllow, ActivityID: id, Time: at}
}

// detectorsOf returns the detector ids of findings, in order.
func detectorsOf(findings []Finding) []DetectorID {
	ids := make([]DetectorID, len(findings))
	for i, f := range findings {
		ids[i] = f.Detector
	}
	return ids
}

// only returns the findings of one detector.
func only(findings []Finding, id DetectorID) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.Detector == id {
			out = append(out, f)
		}
	}
	return out
}
