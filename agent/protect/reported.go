package protect

import (
	"path/filepath"
	"sync"
	"time"

	"parapet/agent/watch"
	"parapet/protocol"
)

// ReportedTTL is how long the record of a download the extension reported
// waits for its file.
const ReportedTTL = 10 * time.Minute

// maxReported bounds the records of reported downloads; a record beyond
// it evicts the oldest.
const maxReported = 4096

// reported is a download the extension asked a verdict for.
type reported struct {
	targetURL string
	name      string
	expires   time.Time
}

// reportedSet contains the downloads the extension reported. A watcher
// file that no record claims is a download without the extension.
type reportedSet struct {
	mu    sync.Mutex
	items []reported
}

// Reported records a download the extension reported, whatever its
// verdict, until its file appears or ReportedTTL passes. Requests of
// other activities and the watcher's own requests are ignored.
func (p *Protector) Reported(req *protocol.ActionRequest) {
	if req.Activity != protocol.ActivityDownload || req.Source == protocol.SourceWatcher {
		return
	}
	r := reported{targetURL: req.TargetURL, expires: time.Now().Add(ReportedTTL)}
	if req.File != nil {
		r.name = req.File.Name
	}
	if r.targetURL == "" && r.name == "" {
		return
	}
	p.reported.add(r)
}

func (s *reportedSet) add(r reported) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(time.Now())
	if len(s.items) >= maxReported {
		s.items = s.items[1:]
	}
	s.items = append(s.items, r)
}

func (s *reportedSet) dropExpired(now time.Time) {
	kept := s.items[:0]
	for _, r := range s.items {
		if now.Before(r.expires) {
			kept = append(kept, r)
		}
	}
	s.items = kept
}

// take removes the record that r belongs to and reports whether there was
// one, matching like pendingSet.take: the origin URL first, then the
// oldest record with the file's name or a uniquified copy of it.
func (s *reportedSet) take(r watch.Ready) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(time.Now())
	if r.Origin.URL != "" {
		for i, rec := range s.items {
			if rec.targetURL != "" && rec.targetURL == r.Origin.URL {
				s.items = append(s.items[:i], s.items[i+1:]...)
				return true
			}
		}
	}
	name := filepath.Base(r.Path)
	for i, rec := range s.items {
		if rec.name != "" && nameMatches(rec.name, name) {
			s.items = append(s.items[:i], s.items[i+1:]...)
			return true
		}
	}
	return false
}
