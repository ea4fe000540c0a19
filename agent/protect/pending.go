package protect

import (
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"parapet/agent/watch"
	"parapet/protocol"
)

// DefaultTTL is how long a protect verdict waits for its file to appear.
const DefaultTTL = 10 * time.Minute

// maxPending bounds the remembered protect verdicts. A verdict beyond it
// evicts the oldest.
const maxPending = 1024

// pending is a protect verdict whose downloaded file has not appeared yet.
type pending struct {
	targetURL  string
	name       string
	eventID    string
	protection protocol.Protection
	expires    time.Time
}

// pendingSet holds protect verdicts in arrival order.
type pendingSet struct {
	mu    sync.Mutex
	items []pending
}

func (s *pendingSet) add(p pending) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(time.Now())
	if len(s.items) >= maxPending {
		s.items = s.items[1:]
	}
	s.items = append(s.items, p)
}

func (s *pendingSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(time.Now())
	return len(s.items)
}

func (s *pendingSet) dropExpired(now time.Time) {
	kept := s.items[:0]
	for _, p := range s.items {
		if now.Before(p.expires) {
			kept = append(kept, p)
		}
	}
	s.items = kept
}

// take removes and returns the verdict that r belongs to. A verdict whose
// target URL equals the file's recorded origin URL wins. Otherwise the
// oldest verdict whose file name matches the file's name, also as a
// browser's uniquified copy such as "report (1).pdf", is taken.
func (s *pendingSet) take(r watch.Ready) (pending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(time.Now())
	if r.Origin.URL != "" {
		for i, p := range s.items {
			if p.targetURL != "" && p.targetURL == r.Origin.URL {
				return s.remove(i), true
			}
		}
	}
	name := filepath.Base(r.Path)
	for i, p := range s.items {
		if p.name != "" && nameMatches(p.name, name) {
			return s.remove(i), true
		}
	}
	return pending{}, false
}

func (s *pendingSet) remove(i int) pending {
	p := s.items[i]
	s.items = append(s.items[:i], s.items[i+1:]...)
	return p
}

// uniquifier matches the counters that browsers insert into the name of a
// file that already exists: " (1)" by Chromium, "(1)" by Firefox.
var uniquifier = regexp.MustCompile(` ?\([0-9]{1,4}\)`)

// nameMatches reports whether got, the name of a file on disk, is want or
// want with one uniquifying counter inserted.
func nameMatches(want, got string) bool {
	if want == got {
		return true
	}
	for _, loc := range uniquifier.FindAllStringIndex(got, -1) {
		if got[:loc[0]]+got[loc[1]:] == want {
			return true
		}
	}
	return false
}
