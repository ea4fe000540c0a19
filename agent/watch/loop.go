package watch

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// loop contains the channels and timers of Run. Only the goroutine running Run
// touches the Watcher's pending, queue and reported fields.
type loop struct {
	w      *Watcher
	events <-chan fsnotify.Event
	errors <-chan error
	due    *time.Timer
	poll   *time.Ticker
}

func newLoop(w *Watcher) *loop {
	l := &loop{w: w, due: time.NewTimer(time.Hour), poll: time.NewTicker(w.cfg.PollInterval)}
	l.due.Stop()
	if w.fs != nil {
		l.events = w.fs.Events
		l.errors = w.fs.Errors
	}
	l.armTimer()
	return l
}

func (l *loop) stop() {
	l.due.Stop()
	l.poll.Stop()
}

// step waits for one event, error or timer and handles it. It returns
// errStopped when ctx ends and errNotifierClosed when the notifier stops.
func (l *loop) step(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return errStopped
	case ev, ok := <-l.events:
		if !ok {
			return errNotifierClosed
		}
		l.w.handleEvent(ev)
	case err, ok := <-l.errors:
		if !ok {
			return errNotifierClosed
		}
		l.w.handleError(err)
	case err := <-l.w.hooks.errors:
		l.w.handleError(err)
	case <-l.due.C:
		if !l.w.checkDue(ctx) {
			return errStopped
		}
	case <-l.poll.C:
		l.w.pollFolders()
	}
	l.armTimer()
	return nil
}

var (
	errStopped        = errors.New("download watcher stopped")
	errNotifierClosed = errors.New("file-system notifier closed unexpectedly")
)

// armTimer sets the due timer to the earliest pending check.
func (l *loop) armTimer() {
	c := l.w.queue.peek()
	if c == nil {
		l.due.Stop()
		return
	}
	l.due.Reset(max(time.Until(c.due), 0))
}

func (w *Watcher) handleEvent(ev fsnotify.Event) {
	if w.hooks.dropEvent != nil && w.hooks.dropEvent(ev) {
		return
	}
	path := filepath.Clean(ev.Name)
	if f, ok := w.folders[path]; ok {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.loseFolder(f)
		}
		return
	}
	if IsTemporaryName(filepath.Base(path)) {
		return
	}
	if ev.Op == fsnotify.Remove || ev.Op == fsnotify.Rename {
		w.forget(path)
		return
	}
	w.observe(path, true)
}

func (w *Watcher) handleError(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.log.Warn("event queue overflowed, rescanning folders", "error", err)
		w.rescanAll()
		return
	}
	w.log.Error("notifier error", "error", err)
}

// loseFolder switches a watched folder that was removed or renamed to
// polling. The poll retries the watch, so a recreated folder is watched again.
func (w *Watcher) loseFolder(f *folder) {
	if w.fs != nil {
		// The kernel may already have dropped the watch, so an error here
		// only means there was nothing left to remove.
		_ = w.fs.Remove(f.dir)
	}
	w.setMode(f, ModePoll, "folder was removed or renamed")
	w.log.Warn("watched folder removed, polling", "dir", f.dir)
}
