package auth

import (
	"sync"
	"time"
)

// Limiter counts failures per key, such as an account's email or a client
// IP, in a fixed window. A key with Max failures in the window is blocked
// until the window ends. It is safe for concurrent use.
type Limiter struct {
	Max    int
	Window time.Duration
	// Now returns the current time; tests replace it.
	Now func() time.Time

	mu      sync.Mutex
	entries map[string]*window
}

type window struct {
	start    time.Time
	failures int
}

// maxLimiterKeys bounds the memory of a Limiter. When it is full, expired
// windows are dropped and, if none expired, the new key is not tracked.
const maxLimiterKeys = 100_000

// NewLimiter returns a limiter that blocks a key after max failures within
// window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now}
}

// Blocked reports whether key is blocked, and for how long.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.entries[key]
	now := l.Now()
	if w == nil || now.Sub(w.start) >= l.Window {
		return false, 0
	}
	if w.failures < l.Max {
		return false, 0
	}
	return true, w.start.Add(l.Window).Sub(now)
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.entries == nil {
		l.entries = make(map[string]*window)
	}
	now := l.Now()
	w := l.entries[key]
	if w == nil || now.Sub(w.start) >= l.Window {
		if w == nil && len(l.entries) >= maxLimiterKeys && !l.pruneLocked(now) {
			return
		}
		l.entries[key] = &window{start: now, failures: 1}
		return
	}
	w.failures++
}

// Reset forgets the failures of key, for example after a successful login.
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// pruneLocked drops expired windows and reports whether any was dropped.
func (l *Limiter) pruneLocked(now time.Time) bool {
	pruned := false
	for key, w := range l.entries {
		if now.Sub(w.start) >= l.Window {
			delete(l.entries, key)
			pruned = true
		}
	}
	return pruned
}
