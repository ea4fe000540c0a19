package anomaly

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"

	"parapet/protocol"
)

// benchUsers is the number of active users in every benchmark.
const benchUsers = 100_000

// eventGap is the simulated time between two events, so that each of the
// 100,000 users acts once every 30 seconds.
const eventGap = 300 * time.Microsecond

// workload is a reproducible mix of events over benchUsers users. Event
// times are left zero, and each benchmark sets them as it goes.
type workload struct {
	events []Event
}

// newWorkload returns n events. Each run of 100,000 events has every user
// once, in random order. The mix is 35% navigations, 15% copies, 15%
// pastes, 20% downloads of 10 KiB to 20 MiB, 8% uploads (a quarter of
// them sensitive), 5% prints and 2% sign-ins. 88% are allowed, 5%
// monitored, 5% blocked and 2% warned. Each user has one device (one in
// ten has two) and one /24, and 2% of events come from another range.
func newWorkload(n int, seed uint64) *workload {
	rng := rand.New(rand.NewPCG(seed, 1))
	users := make([]string, benchUsers)
	for i := range users {
		users[i] = fmt.Sprintf("user%06d@corp.test", i)
	}
	w := &workload{events: make([]Event, n)}
	order := make([]int, benchUsers)
	for i := range order {
		order[i] = i
	}
	for i := range w.events {
		if i%benchUsers == 0 {
			rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		}
		u := order[i%benchUsers]
		ev := Event{User: users[u], DeviceID: fmt.Sprintf("dev-%06d-a", u)}
		if u%10 == 0 && rng.IntN(2) == 0 {
			ev.DeviceID = fmt.Sprintf("dev-%06d-b", u)
		}
		ev.SourceIP = netip.AddrFrom4([4]byte{10, byte(u >> 8), byte(u), byte(rng.IntN(256))})
		if rng.IntN(100) < 2 {
			ev.SourceIP = netip.AddrFrom4([4]byte{100, 64 + byte(rng.IntN(64)), byte(rng.IntN(256)), 1})
		}
		ev.Activity, ev.FileSize, ev.Sensitive = pickActivity(rng)
		ev.Decision = pickDecision(rng)
		ev.ActivityID = activityID(uint64(i))
		w.events[i] = ev
	}
	return w
}

func pickActivity(rng *rand.Rand) (protocol.Activity, int64, bool) {
	switch p := rng.IntN(100); {
	case p < 35:
		return protocol.ActivityNavigate, 0, false
	case p < 50:
		return protocol.ActivityCopy, 0, false
	case p < 65:
		return protocol.ActivityPaste, 0, false
	case p < 85:
		return protocol.ActivityDownload, 10<<10 + rng.Int64N(20<<20), false
	case p < 93:
		return protocol.ActivityUpload, 10<<10 + rng.Int64N(5<<20), rng.IntN(4) == 0
	case p < 98:
		return protocol.ActivityPrint, 0, false
	default:
		return protocol.ActivitySignIn, 0, false
	}
}

func pickDecision(rng *rand.Rand) protocol.Decision {
	switch p := rng.IntN(100); {
	case p < 88:
		return protocol.DecisionAllow
	case p < 93:
		return protocol.DecisionMonitor
	case p < 98:
		return protocol.DecisionBlock
	default:
		return protocol.DecisionWarn
	}
}

// activityID returns a new string shaped like the server's activity ids,
// "act-" and 32 hex digits.
func activityID(n uint64) string {
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[8:], n)
	return "act-" + hex.EncodeToString(raw[:])
}

// run observes the workload's events from index start for count events,
// cycling through them, with times from the clock's current time on.
func (w *workload) run(d *Detector, clock *fakeClock, start, count int) {
	for i := range count {
		clock.Advance(eventGap)
		ev := w.events[(start+i)%len(w.events)]
		ev.Time = clock.Now()
		d.Observe(ev)
	}
}

// newBenchDetector returns a detector with the default config, already
// fed five events per user on average.
func newBenchDetector(b *testing.B, w *workload) (*Detector, *fakeClock) {
	d, clock := newTestDetector(b, DefaultConfig())
	w.run(d, clock, 0, 5*benchUsers)
	return d, clock
}

// BenchmarkObserve measures one Observe call in the workload's mix, with
// 100,000 users already known.
func BenchmarkObserve(b *testing.B) {
	w := newWorkload(3*benchUsers, 1)
	d, clock := newBenchDetector(b, w)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		clock.Advance(eventGap)
		ev := w.events[i%len(w.events)]
		ev.Time = clock.Now()
		d.Observe(ev)
		i++
	}
	b.ReportMetric(float64(d.Users()), "users")
}

// BenchmarkObserveLatency reports the p50, p99 and p99.9 of single Observe
// calls in the same mix. Each duration includes a time.Now pair.
func BenchmarkObserveLatency(b *testing.B) {
	w := newWorkload(3*benchUsers, 2)
	d, clock := newBenchDetector(b, w)
	samples := make([]int64, 0, 1<<21)
	i := 0
	for b.Loop() {
		clock.Advance(eventGap)
		ev := w.events[i%len(w.events)]
		ev.Time = clock.Now()
		start := time.Now()
		d.Observe(ev)
		if len(samples) < cap(samples) {
			samples = append(samples, int64(time.Since(start)))
		}
		i++
	}
	slices.Sort(samples)
	for _, q := range []struct {
		unit     string
		fraction float64
	}{{"p50-ns", 0.50}, {"p99-ns", 0.99}, {"p99.9-ns", 0.999}} {
		b.ReportMetric(float64(samples[int(q.fraction*float64(len(samples)-1))]), q.unit)
	}
}

// BenchmarkMemoryPerUser reports the heap that 100,000 users in the
// workload's mix keep after five minutes of simulated time (ten events
// per user), divided by the number of users. With ids=fresh every event
// gets a new activity id string, so the figure includes the ids that the
// windows keep. ids=none leaves ActivityID empty to show the Detector's
// own share. Run it with -benchtime=1x.
func BenchmarkMemoryPerUser(b *testing.B) {
	w := newWorkload(3*benchUsers, 3)
	for _, withIDs := range []bool{true, false} {
		name := "ids=fresh"
		if !withIDs {
			name = "ids=none"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				before := heapInUse()
				d, clock := newTestDetector(b, DefaultConfig())
				for i := range 10 * benchUsers {
					clock.Advance(eventGap)
					ev := w.events[i%len(w.events)]
					ev.Time = clock.Now()
					ev.ActivityID = ""
					if withIDs {
						ev.ActivityID = activityID(uint64(i))
					}
					d.Observe(ev)
				}
				after := heapInUse()
				users := d.Users()
				runtime.KeepAlive(d)
				b.ReportMetric(float64(after-before)/float64(users), "B/user")
				b.ReportMetric(float64(users), "users")
			}
		})
	}
}

// BenchmarkMemoryPerUserFull reports the worst case: 10,000 users, each
// with every window one event short of a finding and the maximum number
// of remembered ranges and devices. Run it with -benchtime=1x.
func BenchmarkMemoryPerUserFull(b *testing.B) {
	const users = 10_000
	cfg := alertOnly()
	for b.Loop() {
		before := heapInUse()
		d, clock := newTestDetector(b, cfg)
		n := uint64(0)
		for u := range users {
			user := fmt.Sprintf("full%05d@corp.test", u)
			fillUser(d, cfg, user, clock.Now(), &n)
		}
		after := heapInUse()
		runtime.KeepAlive(d)
		b.ReportMetric(float64(after-before)/users, "B/user")
	}
}

// fillUser gives user the maximum number of ranges and devices and fills
// each window to its maximum, without a finding.
func fillUser(d *Detector, cfg Config, user string, now time.Time, n *uint64) {
	observe := func(ev Event) {
		*n++
		ev.User, ev.ActivityID, ev.Time = user, activityID(*n), now
		if got := d.Observe(ev); len(got) != 0 {
			panic(fmt.Sprintf("filling %s: unexpected finding %s", user, got[0].Reason))
		}
	}
	observe(Event{DeviceID: "dev-0", Activity: protocol.ActivitySignIn,
		SourceIP: netip.AddrFrom4([4]byte{10, 0, 0, 1})})
	// Further ranges and devices would be findings, so they are learned.
	for i := 1; i < max(cfg.NewIPRange.MaxRanges, cfg.NewDevice.MaxDevices); i++ {
		*n++
		d.Learn(Event{User: user, DeviceID: fmt.Sprintf("dev-%d", i), Activity: protocol.ActivitySignIn,
			SourceIP: netip.AddrFrom4([4]byte{10, 0, byte(i), 1}), ActivityID: activityID(*n), Time: now})
	}
	ip := netip.AddrFrom4([4]byte{10, 0, 0, 1})
	for range cfg.MassDownload.MaxFiles {
		observe(Event{DeviceID: "dev-0", SourceIP: ip, Activity: protocol.ActivityDownload, FileSize: 1 << 10})
	}
	for range cfg.SensitiveUpload.MaxUploads {
		observe(Event{DeviceID: "dev-0", SourceIP: ip, Activity: protocol.ActivityUpload, Sensitive: true})
	}
	for range cfg.RepeatedBlocks.MaxBlocks {
		observe(Event{DeviceID: "dev-0", SourceIP: ip, Activity: protocol.ActivityPaste, Decision: protocol.DecisionBlock})
	}
}

// heapInUse returns the live heap in bytes after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
