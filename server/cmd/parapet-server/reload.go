package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"parapet/server/hub"
	"parapet/server/policy"
	"parapet/server/store"
)

// reloadOnSignal reloads the policy file or folder on every signal from
// signals and pushes it to the agents. An invalid set is logged and the
// current set stays in force.
func reloadOnSignal(ctx context.Context, signals <-chan os.Signal, path string, st store.Store, h *hub.Hub, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-signals:
			reloadPolicies(ctx, path, st, h, log)
		}
	}
}

func reloadPolicies(ctx context.Context, path string, st store.Store, h *hub.Hub, log *slog.Logger) {
	set, err := policy.Load(path)
	if err != nil {
		log.Error("reloading policies; keeping the current set", "path", path,
			"revision", h.Policies().Revision, "error", err)
		return
	}
	revision, err := st.PolicyRevision(ctx, set.Digest, time.Now())
	if err != nil {
		log.Error("recording policy revision; keeping the current set", "path", path, "error", err)
		return
	}
	if revision == h.Policies().Revision {
		log.Info("policies unchanged", "path", path, "revision", revision)
		return
	}
	h.SetPolicies(hub.Policies{Set: set, Revision: revision})
	log.Info("reloaded policies", "path", path, "files", len(set.Files), "revision", revision,
		"apps", len(set.Apps), "policies", len(set.Policies))
}
