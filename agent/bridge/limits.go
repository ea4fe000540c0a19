package bridge

import (
	"sync"
	"time"
)

// helloTimeout is how long a new connection may take to send its hello.
// Until then it holds one of the MaxConns slots, so a local process that
// opens connections and stays silent cannot keep the real extension out
// for longer than this. Tests shorten it.
var helloTimeout = 10 * time.Second

const (
	// actionRate and actionBurst bound the action requests of one
	// connection, in requests per second. A person clicking, pasting and
	// uploading stays far below them; a flood of fake activities does not.
	actionRate  = 20
	actionBurst = 100
)

// bucket is a token bucket: it holds up to burst tokens and refills at
// rate tokens per second. It is safe for concurrent use.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
	rate   float64
	burst  float64
}

func newBucket(rate, burst float64, now time.Time) *bucket {
	return &bucket{tokens: burst, last: now, rate: rate, burst: burst}
}

// take removes one token and reports whether one was there.
func (b *bucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += now.Sub(b.last).Seconds() * b.rate
	if b.tokens > b.burst {
		b.tokens = b.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// logLimiter lets one log line through per interval and counts the lines
// it held back, so a page that sends rejected upgrades in a loop cannot
// fill the log.
type logLimiter struct {
	mu         sync.Mutex
	interval   time.Duration
	next       time.Time
	suppressed int
}

// allow reports whether a line may be logged now, and how many lines were
// held back since the last one.
func (l *logLimiter) allow(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.suppressed++
		return false, 0
	}
	n := l.suppressed
	l.suppressed = 0
	l.next = now.Add(l.interval)
	return true, n
}
