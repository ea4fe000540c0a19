package protect

import (
	"path/filepath"
	"testing"
	"time"

	"parapet/agent/watch"
)

func TestNameMatches(t *testing.T) {
	cases := []struct {
		want, got string
		match     bool
	}{
		{"report.pdf", "report.pdf", true},
		{"report.pdf", "report (1).pdf", true},
		{"report.pdf", "report (12).pdf", true},
		{"report.pdf", "report(1).pdf", true},
		{"archive.tar.gz", "archive (2).tar.gz", true},
		{"noext", "noext (3)", true},
		{"report.pdf", "report (1) (2).pdf", false},
		{"report.pdf", "other.pdf", false},
		{"report.pdf", "report (x).pdf", false},
		{"report (1).pdf", "report (1).pdf", true},
		{"report.pdf", "report.pdf.parapet", false},
	}
	for _, c := range cases {
		if got := nameMatches(c.want, c.got); got != c.match {
			t.Errorf("nameMatches(%q, %q): got %v, want %v", c.want, c.got, got, c.match)
		}
	}
}

func TestTakePrefersOrigin(t *testing.T) {
	var s pendingSet
	later := time.Now().Add(time.Minute)
	s.add(pending{name: "a.docx", targetURL: "https://files.corp.test/1", eventID: "by-name", expires: later})
	s.add(pending{name: "b.docx", targetURL: "https://files.corp.test/2", eventID: "by-url", expires: later})

	r := watch.Ready{Path: filepath.Join("d", "a.docx"), Origin: watch.Origin{URL: "https://files.corp.test/2"}}
	p, ok := s.take(r)
	if !ok || p.eventID != "by-url" {
		t.Fatalf("got %q, %v, want the verdict whose target URL is the origin", p.eventID, ok)
	}
	p, ok = s.take(r)
	if !ok || p.eventID != "by-name" {
		t.Fatalf("got %q, %v on the second take, want the verdict matched by name", p.eventID, ok)
	}
	if _, ok := s.take(r); ok {
		t.Error("got a third match, want none left")
	}
}

func TestTakeUniquifiedOldestFirst(t *testing.T) {
	var s pendingSet
	later := time.Now().Add(time.Minute)
	s.add(pending{name: "q3.xlsx", eventID: "first", expires: later})
	s.add(pending{name: "q3.xlsx", eventID: "second", expires: later})
	p, ok := s.take(watch.Ready{Path: "/dl/q3 (1).xlsx"})
	if !ok || p.eventID != "first" {
		t.Errorf("got %q, %v, want the oldest verdict", p.eventID, ok)
	}
}

func TestTakeSkipsExpired(t *testing.T) {
	var s pendingSet
	s.add(pending{name: "a.docx", eventID: "old", expires: time.Now().Add(-time.Second)})
	if _, ok := s.take(watch.Ready{Path: "/dl/a.docx"}); ok {
		t.Error("got a match for an expired verdict, want none")
	}
	if n := s.len(); n != 0 {
		t.Errorf("got %d pending, want 0", n)
	}
}

func TestPendingBounded(t *testing.T) {
	var s pendingSet
	later := time.Now().Add(time.Minute)
	for i := 0; i < maxPending+5; i++ {
		s.add(pending{name: "x", expires: later})
	}
	if n := s.len(); n != maxPending {
		t.Errorf("got %d pending, want %d", n, maxPending)
	}
}
