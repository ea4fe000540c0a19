package anomaly

import (
	"fmt"
	"slices"
	"time"

	"parapet/protocol"
)

// counterKind identifies a counting detector.
type counterKind uint8

const (
	kindDownload counterKind = iota
	kindUpload
	kindBlock
	kindCount
)

// entry is one counted event in a user's window. It is 32 bytes, because
// the kind shares a word with the size.
type entry struct {
	id string
	at int64 // unix nanoseconds
	// sizeKind holds the counterKind in its top two bits and the size of
	// a download in bytes, at most maxEntrySize, in the others.
	sizeKind uint64
}

const (
	kindShift    = 62
	maxEntrySize = 1<<kindShift - 1
)

func newEntry(id string, at int64, k counterKind, size int64) entry {
	size = min(max(size, 0), maxEntrySize)
	return entry{id: id, at: at, sizeKind: uint64(k)<<kindShift | uint64(size)}
}

func (e *entry) kind() counterKind { return counterKind(e.sizeKind >> kindShift) }
func (e *entry) size() int64       { return int64(e.sizeKind & maxEntrySize) }

// counterKindOf returns the counter that ev adds to. A blocked action of
// any kind counts as a block. Downloads and sensitive uploads count only
// when they went ahead, so a block or a step-up does not count them.
func counterKindOf(ev *Event) (counterKind, bool) {
	switch {
	case ev.Decision == protocol.DecisionBlock:
		return kindBlock, true
	case ev.Decision == protocol.DecisionStepUp:
		return 0, false
	case ev.Activity == protocol.ActivityDownload:
		return kindDownload, true
	case ev.Activity == protocol.ActivityUpload && ev.Sensitive:
		return kindUpload, true
	}
	return 0, false
}

// count adds ev to its window and returns a finding when the window goes
// over its limit. A window contains the events less than Window older than
// the user's newest counted event, so an event exactly Window older is out.
// After a finding the detector's window starts empty. The next finding
// then needs another limit-plus-one events, and no window keeps more than
// its maximum between calls.
func (d *Detector) count(u *userState, ev *Event, at int64) (Finding, bool) {
	ref := at
	if n := len(u.events); n > 0 {
		ref = max(ref, u.events[n-1].at)
	}
	d.expireEvents(u, ref)

	k, ok := counterKindOf(ev)
	limit := d.counters[k]
	if !ok || limit.window == 0 || at <= ref-limit.window {
		return Finding{}, false
	}
	size := ev.FileSize
	if k != kindDownload {
		size = 0
	}
	u.insert(newEntry(ev.ActivityID, at, k, size))

	n, bytes := 0, int64(0)
	for i := range u.events {
		if u.events[i].kind() == k {
			n++
			bytes += u.events[i].size()
		}
	}
	overCount := n > limit.maxEvents
	overBytes := k == kindDownload && bytes > d.cfg.MassDownload.MaxBytes
	if !overCount && !overBytes {
		return Finding{}, false
	}
	f := d.counterFinding(u, k, ev, n, bytes, overCount)
	u.events = slices.DeleteFunc(u.events, func(e entry) bool { return e.kind() == k })
	return f, true
}

// expireEvents drops the events that are out of their window at ref.
func (d *Detector) expireEvents(u *userState, ref int64) {
	u.events = slices.DeleteFunc(u.events, func(e entry) bool {
		return e.at <= ref-d.counters[e.kind()].window
	})
}

// insert adds e in time order. Events mostly arrive in order, so the scan
// from the end is short.
func (u *userState) insert(e entry) {
	i := len(u.events)
	for i > 0 && u.events[i-1].at > e.at {
		i--
	}
	u.events = slices.Insert(u.events, i, e)
}

func (d *Detector) counterFinding(u *userState, k counterKind, ev *Event, n int, bytes int64, overCount bool) Finding {
	f := Finding{User: ev.User, DeviceID: ev.DeviceID, Evidence: make([]string, 0, n)}
	first := true
	for i := range u.events {
		e := &u.events[i]
		if e.kind() != k {
			continue
		}
		if first {
			f.WindowStart = time.Unix(0, e.at).UTC()
			first = false
		}
		f.WindowEnd = time.Unix(0, e.at).UTC()
		if e.id != "" {
			f.Evidence = append(f.Evidence, e.id)
		}
	}

	window := formatDuration(time.Duration(d.counters[k].window))
	limit := d.counters[k].maxEvents
	switch {
	case k == kindDownload && overCount:
		f.Detector = DetectorMassDownload
		f.Reason = fmt.Sprintf("%s downloaded %d files within %s, more than the limit of %d.", ev.User, n, window, limit)
	case k == kindDownload:
		f.Detector = DetectorMassDownload
		f.Reason = fmt.Sprintf("%s downloaded %s in %s within %s, more than the limit of %s.",
			ev.User, formatBytes(bytes), formatFiles(n), window, formatBytes(d.cfg.MassDownload.MaxBytes))
	case k == kindUpload:
		f.Detector = DetectorSensitiveUpload
		f.Reason = fmt.Sprintf("%s uploaded %d sensitive files within %s, more than the limit of %d.", ev.User, n, window, limit)
	default:
		f.Detector = DetectorRepeatedBlocks
		f.Reason = fmt.Sprintf("%d actions of %s were blocked within %s, more than the limit of %d.", n, ev.User, window, limit)
	}
	return f
}
