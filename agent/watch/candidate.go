package watch

import (
	"container/heap"
	"context"
	"os"
	"time"
)

// maxOpenFailures bounds how many stability intervals a stable file may keep
// failing to open (for example under a Windows sharing lock) before the
// watcher gives up on it.
const maxOpenFailures = 40

// candidate is a file with a final name that is not yet reported.
type candidate struct {
	path         string
	seen         os.FileInfo // last observed state
	due          time.Time   // when to check it again
	openFailures int
	index        int // position in dueQueue
}

// observe records the current state of path as a candidate. An event always
// restarts the stability interval. A scan starts it only for a new or
// changed file, so polling does not delay files that are settling.
func (w *Watcher) observe(path string, fromEvent bool) {
	info, err := os.Lstat(path)
	if err != nil || !info.Mode().IsRegular() {
		w.dropCandidate(path)
		return
	}
	c := w.pending[path]
	if c == nil {
		if w.isReported(path, info) {
			return
		}
		c = &candidate{path: path, seen: info, due: time.Now().Add(w.cfg.Stable)}
		w.pending[path] = c
		heap.Push(&w.queue, c)
		return
	}
	if fromEvent || changed(c.seen, info) {
		c.seen = info
		w.reschedule(c)
	}
}

func (w *Watcher) reschedule(c *candidate) {
	c.due = time.Now().Add(w.cfg.Stable)
	heap.Fix(&w.queue, c.index)
}

func (w *Watcher) dropCandidate(path string) {
	c := w.pending[path]
	if c == nil {
		return
	}
	heap.Remove(&w.queue, c.index)
	delete(w.pending, path)
}

// forget drops the candidate and the reported entry of a path that was
// removed or renamed away, so a file that later appears there is new.
func (w *Watcher) forget(path string) {
	w.dropCandidate(path)
	delete(w.reported, path)
}

func (w *Watcher) isReported(path string, info os.FileInfo) bool {
	prev, ok := w.reported[path]
	return ok && !changed(prev, info)
}

// changed reports whether b is a different file or different content from
// a, judged by identity, size and modification time.
func changed(a, b os.FileInfo) bool {
	return a.Size() != b.Size() || !a.ModTime().Equal(b.ModTime()) || !os.SameFile(a, b)
}

// checkDue checks every candidate whose stability interval has passed and
// sends a Ready event for each one that is ready. It returns false when ctx
// ended while sending.
func (w *Watcher) checkDue(ctx context.Context) bool {
	now := time.Now()
	for {
		c := w.queue.peek()
		if c == nil || c.due.After(now) {
			return true
		}
		ready, ok := w.check(c)
		if !ok {
			continue
		}
		select {
		case w.events <- ready:
		case <-ctx.Done():
			return false
		}
	}
}

// check decides one due candidate. It returns ok when the file is ready, and
// in every case either removes c from the queue or schedules it again.
func (w *Watcher) check(c *candidate) (Ready, bool) {
	info, err := os.Lstat(c.path)
	switch {
	case err != nil || !info.Mode().IsRegular():
		w.dropCandidate(c.path)
		return Ready{}, false
	case changed(c.seen, info):
		c.seen = info
		w.reschedule(c)
		return Ready{}, false
	case info.Size() == 0 || w.isReported(c.path, info):
		// NOTE: empty files are never reported. Firefox keeps an empty
		// placeholder beside its .part file and Chrome on Windows creates
		// and removes one, and an empty file holds no content to protect.
		// A write to the file makes it a candidate again.
		w.dropCandidate(c.path)
		return Ready{}, false
	}
	if err := openForReading(c.path); err != nil {
		w.retryOpen(c, err)
		return Ready{}, false
	}
	w.dropCandidate(c.path)
	w.reported[c.path] = info
	return Ready{Path: c.path, Size: info.Size(), ModTime: info.ModTime(), Origin: w.origin(c.path)}, true
}

func openForReading(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

func (w *Watcher) retryOpen(c *candidate, err error) {
	c.openFailures++
	if c.openFailures < maxOpenFailures {
		w.reschedule(c)
		return
	}
	w.log.Warn("file not readable, giving up", "path", c.path, "error", err, "attempts", c.openFailures)
	w.dropCandidate(c.path)
}

func (w *Watcher) origin(path string) Origin {
	o, err := readOrigin(path)
	if err != nil {
		w.log.Debug("origin not readable", "path", path, "error", err)
	}
	return o
}

// dueQueue is a min-heap of candidates ordered by due time.
type dueQueue []*candidate

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *dueQueue) Push(x any) {
	c := x.(*candidate)
	c.index = len(*q)
	*q = append(*q, c)
}

func (q *dueQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return c
}

func (q dueQueue) peek() *candidate {
	if len(q) == 0 {
		return nil
	}
	return q[0]
}
