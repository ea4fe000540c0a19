package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"parapet/server/policy"
)

// reloadDelay is how long the watcher waits after the last change before
// it reloads, so that an editor's or git's burst of writes causes one
// reload. It is short enough for a new set to reach agents within a
// second of the last write.
const reloadDelay = 200 * time.Millisecond

// watchPolicies calls reload after changes to the policy file or folder at
// path, until ctx is done. For a file it watches the file's folder, because
// editors often replace a file rather than write it in place.
func watchPolicies(ctx context.Context, path string, reload func(), log *slog.Logger) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("watching policies: %w", err)
	}
	dir, only := path, ""
	if !info.IsDir() {
		dir, only = filepath.Dir(path), filepath.Base(path)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching policies: %w", err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return fmt.Errorf("watching policy folder %s: %w", dir, err)
	}
	log.Info("watching policies for changes", "path", path)
	go runWatcher(ctx, w, only, reload, log)
	return nil
}

func runWatcher(ctx context.Context, w *fsnotify.Watcher, only string, reload func(), log *slog.Logger) {
	defer w.Close()
	timer := time.NewTimer(reloadDelay)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if !relevant(ev, only) {
				continue
			}
			log.Debug("policy file changed", "file", ev.Name, "op", ev.Op.String())
			timer.Reset(reloadDelay)
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			// An overflow loses events, so reload to be safe.
			log.Warn("watching policies", "error", err)
			timer.Reset(reloadDelay)
		case <-timer.C:
			reload()
		}
	}
}

// relevant reports whether ev may change the policy set: any change to the
// watched file, or to a policy file of the watched folder.
func relevant(ev fsnotify.Event, only string) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Base(ev.Name)
	if only != "" {
		return name == only
	}
	return policy.IsPolicyFile(name)
}
