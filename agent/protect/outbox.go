package protect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parapet/protocol"
)

// UpdateSender delivers an activity.update to the server under envelope
// id and returns nil once the server acknowledged it. The uplink
// implements it.
type UpdateSender interface {
	SendUpdate(ctx context.Context, id string, u *protocol.ActivityUpdate) error
}

// retryInterval is how often undelivered updates are sent again.
const retryInterval = 15 * time.Second

// outbox is a folder of activity updates still to deliver, one JSON file
// per event, so updates survive a restart while the server is offline.
type outbox struct {
	dir    string
	sender UpdateSender
	log    *slog.Logger
	notify chan struct{}
}

func openOutbox(dir string, sender UpdateSender, log *slog.Logger) (*outbox, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating update outbox: %w", err)
	}
	return &outbox{dir: dir, sender: sender, log: log, notify: make(chan struct{}, 1)}, nil
}

// updateKey returns the file name stem and envelope id for an event. Both
// derive from a digest, because event ids may contain ":", which Windows
// rejects in file names. A stable envelope id lets the server drop a
// repeated delivery.
func updateKey(eventID string) (stem, envelopeID string) {
	sum := sha256.Sum256([]byte(eventID))
	h := hex.EncodeToString(sum[:16])
	return h, "update-" + h
}

// add stores u durably and wakes the delivery loop.
func (o *outbox) add(u *protocol.ActivityUpdate) error {
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encoding activity update: %w", err)
	}
	stem, _ := updateKey(u.EventID)
	if err := writeFileAtomic(filepath.Join(o.dir, stem+".json"), data, 0o600); err != nil {
		return fmt.Errorf("storing activity update: %w", err)
	}
	select {
	case o.notify <- struct{}{}:
	default:
	}
	return nil
}

// run delivers stored updates when one is added and every retryInterval,
// until ctx ends.
func (o *outbox) run(ctx context.Context) {
	t := time.NewTicker(retryInterval)
	defer t.Stop()
	for {
		o.deliver(ctx)
		select {
		case <-ctx.Done():
			return
		case <-o.notify:
		case <-t.C:
		}
	}
}

// deliver sends every stored update once and deletes the acknowledged
// ones. It stops at the first failure, since the link is likely down.
func (o *outbox) deliver(ctx context.Context) {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		o.log.Error("update outbox not readable", "dir", o.dir, "error", err)
		return
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return
		}
		name := e.Name()
		if !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		if !o.deliverOne(ctx, filepath.Join(o.dir, name)) {
			return
		}
	}
}

func (o *outbox) deliverOne(ctx context.Context, path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		o.log.Error("activity update not readable", "path", path, "error", err)
		return true
	}
	var u protocol.ActivityUpdate
	if err := json.Unmarshal(data, &u); err != nil || u.Validate() != nil {
		o.log.Error("invalid activity update removed from outbox", "path", path, "error", err)
		os.Remove(path)
		return true
	}
	_, id := updateKey(u.EventID)
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := o.sender.SendUpdate(sctx, id, &u); err != nil {
		o.log.Info("activity update not delivered, retrying later", "event_id", u.EventID, "error", err,
			"retry_in", retryInterval)
		return false
	}
	if err := os.Remove(path); err != nil {
		o.log.Error("delivered activity update not removed", "path", path, "error", err)
	}
	o.log.Info("activity update delivered", "event_id", u.EventID, "file_name", u.FileName)
	return true
}
