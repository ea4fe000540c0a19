package anomaly

import (
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"time"
)

// shardCount is the number of independently locked user maps. It is a
// power of two so that a hash picks a shard with a mask.
const shardCount = 256

// sweepInterval is how often Observe sweeps the shard it touches.
const sweepInterval = time.Minute

// Detector runs every enabled detector over a stream of events. It is safe
// for concurrent use. Calls for users in different shards do not contend.
type Detector struct {
	cfg  Config
	now  func() time.Time
	seed maphash.Seed
	// counters holds the window and maximum of each counting detector,
	// indexed by counterKind, and a zero window for a disabled one.
	counters [kindCount]counterLimit
	shards   [shardCount]shard
}

type counterLimit struct {
	window    int64 // nanoseconds
	maxEvents int
}

type shard struct {
	mu        sync.Mutex
	users     map[string]*userState
	lastSweep int64 // unix nanoseconds
	// peak is the largest len(users) since the map was last allocated.
	// Go maps never shrink, so sweep reallocates a map that fell far
	// below its peak.
	peak int
	// Padding keeps two shards' mutexes off one cache line.
	_ [32]byte
}

// userState is everything the Detector remembers about one user.
type userState struct {
	// blockedUntil is in unix nanoseconds, and 0 when not blocked.
	blockedUntil int64
	// events are the counted events still in their windows, oldest
	// first, for every counting detector.
	events []entry
	// known are the remembered IP prefixes and sign-in devices.
	known []knownKey
}

// New returns a Detector for cfg after applying defaults (see
// Config.WithDefaults). now is the clock for blocks, expiry and events
// without a time. A nil now means time.Now.
func New(cfg Config, now func() time.Time) (*Detector, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validating anomaly config: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	d := &Detector{cfg: cfg, now: now, seed: maphash.MakeSeed()}
	if !cfg.MassDownload.Disabled {
		d.counters[kindDownload] = counterLimit{int64(cfg.MassDownload.Window), cfg.MassDownload.MaxFiles}
	}
	if !cfg.SensitiveUpload.Disabled {
		d.counters[kindUpload] = counterLimit{int64(cfg.SensitiveUpload.Window), cfg.SensitiveUpload.MaxUploads}
	}
	if !cfg.RepeatedBlocks.Disabled {
		d.counters[kindBlock] = counterLimit{int64(cfg.RepeatedBlocks.Window), cfg.RepeatedBlocks.MaxBlocks}
	}
	start := now().UnixNano()
	for i := range d.shards {
		d.shards[i].users = make(map[string]*userState)
		d.shards[i].lastSweep = start
	}
	return d, nil
}

// Config returns the configuration in force, with defaults applied.
func (d *Detector) Config() Config { return d.cfg }

// Observe records ev and returns the findings it completes, or nil. For an
// ActionBlockUser finding it also blocks the user, extending any block
// already in force (see BlockedUntil).
func (d *Detector) Observe(ev Event) []Finding {
	return d.observe(ev, true)
}

// Learn records ev like Observe but returns no findings and blocks no one.
// Replaying the recent activity log through Learn after a restart restores
// the windows and the remembered IP ranges and devices.
func (d *Detector) Learn(ev Event) {
	d.observe(ev, false)
}

func (d *Detector) observe(ev Event, report bool) []Finding {
	if ev.User == "" {
		return nil
	}
	now := d.now().UnixNano()
	at := now
	// NOTE: a time after the clock is clamped because a future entry
	// would push every later event out of the window as too old.
	if !ev.Time.IsZero() && ev.Time.UnixNano() < now {
		at = ev.Time.UnixNano()
	}

	s := d.shardFor(ev.User)
	s.mu.Lock()
	defer s.mu.Unlock()
	if now-s.lastSweep >= int64(sweepInterval) {
		d.sweepShard(s, now)
	}
	u := s.users[ev.User]
	if u == nil {
		u = &userState{}
		s.users[strings.Clone(ev.User)] = u
		s.peak = max(s.peak, len(s.users))
	}

	var findings []Finding
	if f, ok := d.count(u, &ev, at); ok {
		findings = append(findings, f)
	}
	d.expireKnown(u, now)
	if f, ok := d.checkIPRange(u, &ev, at); ok {
		findings = append(findings, f)
	}
	if f, ok := d.checkDevice(u, &ev, at); ok {
		findings = append(findings, f)
	}
	if !report {
		return nil
	}
	for i := range findings {
		d.respond(u, &findings[i], now)
	}
	return findings
}

// respond fills the finding's response and applies a block.
func (d *Detector) respond(u *userState, f *Finding, now int64) {
	r := d.response(f.Detector)
	f.Action = r.Action
	f.Severity = r.Severity
	if r.Action != ActionBlockUser {
		return
	}
	u.blockedUntil = max(u.blockedUntil, now+int64(r.BlockFor))
	f.BlockedUntil = time.Unix(0, u.blockedUntil).UTC()
}

func (d *Detector) response(id DetectorID) Response {
	switch id {
	case DetectorMassDownload:
		return d.cfg.MassDownload.Response
	case DetectorSensitiveUpload:
		return d.cfg.SensitiveUpload.Response
	case DetectorRepeatedBlocks:
		return d.cfg.RepeatedBlocks.Response
	case DetectorNewIPRange:
		return d.cfg.NewIPRange.Response
	default:
		return d.cfg.NewDevice.Response
	}
}

// BlockedUntil returns the end of the user's block by a detector, and
// false when the user is not blocked.
func (d *Detector) BlockedUntil(user string) (time.Time, bool) {
	now := d.now().UnixNano()
	s := d.shardFor(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[user]
	if u == nil || u.blockedUntil <= now {
		return time.Time{}, false
	}
	return time.Unix(0, u.blockedUntil).UTC(), true
}

// Unblock ends the user's block and reports whether one was in force. A
// later ActionBlockUser finding blocks the user again.
func (d *Detector) Unblock(user string) bool {
	now := d.now().UnixNano()
	s := d.shardFor(user)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[user]
	if u == nil {
		return false
	}
	blocked := u.blockedUntil > now
	u.blockedUntil = 0
	return blocked
}

// Users returns the number of users with state, for metrics.
func (d *Detector) Users() int {
	n := 0
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		n += len(s.users)
		s.mu.Unlock()
	}
	return n
}

func (d *Detector) shardFor(user string) *shard {
	return &d.shards[maphash.String(d.seed, user)&(shardCount-1)]
}
