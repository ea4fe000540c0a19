package watch

import (
	"os"
	"path/filepath"
)

// scanFolder lists dir and makes a candidate of every final file that is not
// reported yet. With baseline set it records the files as reported instead.
// It also drops reported entries for files that are gone, which keeps the
// record as small as the folders.
func (w *Watcher) scanFolder(dir string, baseline bool) {
	entries, err := os.ReadDir(dir)
	w.noteScanError(w.folders[dir], err)
	if err != nil {
		return
	}
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		if !e.Type().IsRegular() || IsTemporaryName(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		present[path] = true
		if baseline {
			w.recordExisting(path, e)
			continue
		}
		w.observe(path, false)
	}
	for path := range w.reported {
		if filepath.Dir(path) == dir && !present[path] {
			delete(w.reported, path)
		}
	}
}

func (w *Watcher) recordExisting(path string, e os.DirEntry) {
	info, err := e.Info()
	if err != nil {
		return
	}
	w.reported[path] = info
}

// noteScanError logs a scan error once per distinct message, because a
// polled folder that is missing fails the same way on every poll.
func (w *Watcher) noteScanError(f *folder, err error) {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if f == nil || msg == f.scanErr {
		return
	}
	f.scanErr = msg
	if err != nil {
		w.log.Warn("folder scan failed", "dir", f.dir, "error", err)
	}
}

func (w *Watcher) rescanAll() {
	for dir := range w.folders {
		w.scanFolder(dir, false)
	}
}

// pollFolders rescans every polled folder after trying once more to watch
// it, so a folder returns to notifications when the cause has gone.
func (w *Watcher) pollFolders() {
	for dir, f := range w.folders {
		if w.modeOf(f) != ModePoll {
			continue
		}
		if err := w.watchFolder(dir); err == nil {
			w.setMode(f, ModeWatch, "")
			w.log.Info("folder watch restored", "dir", dir)
		}
		w.scanFolder(dir, false)
	}
}

func (w *Watcher) modeOf(f *folder) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return f.mode
}
