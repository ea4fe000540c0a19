// Package queue is a durable FIFO of activity reports that the agent
// decided by itself and still has to deliver to the server. Each item is
// one file in the queue folder. Names are zero-padded sequence numbers, so
// lexical order is FIFO order, and an item is deleted only when the server
// has acknowledged it.
package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"parapet/protocol"
)

// Limits bound the queue. Append rejects an item that would exceed either.
type Limits struct {
	MaxItems int
	MaxBytes int64
}

// DefaultLimits keep a long offline period on disk, about 100,000
// activities, while bounding the disk a flood of actions can fill.
var DefaultLimits = Limits{MaxItems: 100_000, MaxBytes: 256 << 20}

// ErrFull is returned by Append when the queue is at one of its limits.
var ErrFull = errors.New("activity queue is full")

const (
	suffix    = ".json"
	tmpPrefix = ".tmp-"
	nameWidth = 20
)

// Item is one queued report.
type Item struct {
	// Name is the item's file name and sort key.
	Name   string
	Report protocol.ActivityReport
}

// Queue is safe for concurrent use.
type Queue struct {
	dir    string
	limits Limits
	log    *slog.Logger
	notify chan struct{}

	mu    sync.Mutex
	names []string // sorted
	sizes map[string]int64
	total int64
	seq   uint64
}

// Open opens the queue folder dir, creating it with mode 0700, and indexes
// the items left from earlier runs. Leftover temporary files from an
// interrupted Append are deleted.
func Open(dir string, limits Limits, log *slog.Logger) (*Queue, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("opening queue: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("opening queue: %w", err)
	}
	q := &Queue{dir: dir, limits: limits, log: log, notify: make(chan struct{}, 1), sizes: map[string]int64{}}
	for _, e := range entries {
		q.index(e)
	}
	sort.Strings(q.names)
	return q, nil
}

func (q *Queue) index(e os.DirEntry) {
	name := e.Name()
	if strings.HasPrefix(name, tmpPrefix) {
		os.Remove(filepath.Join(q.dir, name))
		return
	}
	seq, ok := parseName(name)
	if !ok || !e.Type().IsRegular() {
		return
	}
	info, err := e.Info()
	if err != nil {
		return
	}
	q.names = append(q.names, name)
	q.sizes[name] = info.Size()
	q.total += info.Size()
	q.seq = max(q.seq, seq)
}

func parseName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, suffix)
	if !ok || len(digits) != nameWidth {
		return 0, false
	}
	seq, err := strconv.ParseUint(digits, 10, 64)
	return seq, err == nil
}

// Len returns the number of queued items.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.names)
}

// Notify returns a channel that receives a value after an Append.
func (q *Queue) Notify() <-chan struct{} { return q.notify }

// Append stores r durably at the end of the queue and returns its name. It
// writes a temporary file, syncs it, renames it into place and syncs the
// folder, so a crash leaves either the whole item or none.
func (q *Queue) Append(r *protocol.ActivityReport) (string, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("encoding queue item: %w", err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.names) >= q.limits.MaxItems || q.total+int64(len(data)) > q.limits.MaxBytes {
		return "", ErrFull
	}
	q.seq++
	name := fmt.Sprintf("%0*d%s", nameWidth, q.seq, suffix)
	if err := q.write(name, data); err != nil {
		return "", err
	}
	q.names = append(q.names, name)
	q.sizes[name] = int64(len(data))
	q.total += int64(len(data))
	select {
	case q.notify <- struct{}{}:
	default:
	}
	return name, nil
}

func (q *Queue) write(name string, data []byte) error {
	tmp := filepath.Join(q.dir, tmpPrefix+name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing queue item: %w", err)
	}
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing queue item: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("syncing queue item: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing queue item: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(q.dir, name)); err != nil {
		return fmt.Errorf("renaming queue item: %w", err)
	}
	return syncDir(q.dir)
}

// After returns the first item whose name sorts after name. Pass "" for
// the head of the queue. An item file that cannot be decoded is renamed to
// NAME.corrupt, logged and skipped, so it cannot block the queue.
func (q *Queue) After(name string) (Item, bool) {
	for {
		next, ok := q.nameAfter(name)
		if !ok {
			return Item{}, false
		}
		item, err := q.read(next)
		if err == nil {
			return item, true
		}
		q.log.Error("queue item unreadable, set aside", "item", next, "error", err)
		q.quarantine(next)
		name = next
	}
}

func (q *Queue) nameAfter(name string) (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := sort.SearchStrings(q.names, name)
	if i < len(q.names) && q.names[i] == name {
		i++
	}
	if i >= len(q.names) {
		return "", false
	}
	return q.names[i], true
}

func (q *Queue) read(name string) (Item, error) {
	data, err := os.ReadFile(filepath.Join(q.dir, name))
	if err != nil {
		return Item{}, fmt.Errorf("reading queue item: %w", err)
	}
	item := Item{Name: name}
	if err := json.Unmarshal(data, &item.Report); err != nil {
		return Item{}, fmt.Errorf("decoding queue item: %w", err)
	}
	if err := item.Report.Validate(); err != nil {
		return Item{}, fmt.Errorf("checking queue item: %w", err)
	}
	return item, nil
}

func (q *Queue) quarantine(name string) {
	path := filepath.Join(q.dir, name)
	if err := os.Rename(path, path+".corrupt"); err != nil {
		q.log.Error("queue item rename failed", "item", name, "error", err)
	}
	q.forget(name)
}

// Remove deletes a delivered item. Removing an unknown name is not an
// error, so a repeated ack is harmless.
func (q *Queue) Remove(name string) error {
	err := os.Remove(filepath.Join(q.dir, name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing queue item: %w", err)
	}
	q.forget(name)
	return syncDir(q.dir)
}

func (q *Queue) forget(name string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := sort.SearchStrings(q.names, name)
	if i >= len(q.names) || q.names[i] != name {
		return
	}
	q.names = append(q.names[:i], q.names[i+1:]...)
	q.total -= q.sizes[name]
	delete(q.sizes, name)
}
