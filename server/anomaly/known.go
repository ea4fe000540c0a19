package anomaly

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"time"

	"parapet/protocol"
)

// knownKey is a remembered IP prefix or device. The top two bits of key
// tell which: an IPv4 /24 keeps its 24 prefix bits, an IPv6 /48 its 48
// prefix bits, and a device the low 62 bits of a maphash of its id.
type knownKey struct {
	key  uint64
	seen int64 // unix nanoseconds of the newest event
}

const (
	tagMask   uint64 = 3 << 62
	tagIPv4   uint64 = 1 << 62
	tagIPv6   uint64 = 2 << 62
	tagDevice uint64 = 3 << 62
)

func isDevice(key uint64) bool { return key&tagMask == tagDevice }

// prefixKey returns the key of the /24 (IPv4) or /48 (IPv6) that contains
// a. An IPv4-mapped IPv6 address counts as IPv4.
func prefixKey(a netip.Addr) uint64 {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return tagIPv4 | uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2])
	}
	b := a.As16()
	return tagIPv6 | binary.BigEndian.Uint64(b[:8])>>16
}

// prefixOf returns the prefix that prefixKey stands for, for messages.
func prefixOf(a netip.Addr) netip.Prefix {
	a = a.Unmap().WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	return netip.PrefixFrom(a, bits).Masked()
}

func (d *Detector) deviceKey(id string) uint64 {
	return maphash.String(d.seed, id)&^tagMask | tagDevice
}

// checkIPRange remembers the prefix of ev.SourceIP and returns a finding
// when it is new for a user who has other remembered prefixes. The caller
// has already expired old keys. The first
// prefix of a user without any is remembered silently.
func (d *Detector) checkIPRange(u *userState, ev *Event, at int64) (Finding, bool) {
	cfg := &d.cfg.NewIPRange
	if cfg.Disabled || !ev.SourceIP.IsValid() {
		return Finding{}, false
	}
	if !u.remember(prefixKey(ev.SourceIP), at, cfg.MaxRanges) {
		return Finding{}, false
	}
	f := singleFinding(DetectorNewIPRange, ev, at)
	f.Reason = fmt.Sprintf("%s used the IP address %s in %s, a range not seen for this user within the last %s.",
		ev.User, ev.SourceIP, prefixOf(ev.SourceIP), formatDuration(time.Duration(cfg.ForgetAfter)))
	return f, true
}

// checkDevice remembers the device of a sign-in and returns a finding when
// it is new for a user who has other remembered devices. Only sign-ins
// count, so a device that only downloaded for the user is still new at
// its first sign-in.
func (d *Detector) checkDevice(u *userState, ev *Event, at int64) (Finding, bool) {
	cfg := &d.cfg.NewDevice
	if cfg.Disabled || ev.Activity != protocol.ActivitySignIn || ev.DeviceID == "" {
		return Finding{}, false
	}
	if !u.remember(d.deviceKey(ev.DeviceID), at, cfg.MaxDevices) {
		return Finding{}, false
	}
	f := singleFinding(DetectorNewDevice, ev, at)
	f.Reason = fmt.Sprintf("%s signed in from device %s, which has not signed in for this user within the last %s.",
		ev.User, ev.DeviceID, formatDuration(time.Duration(cfg.ForgetAfter)))
	return f, true
}

func singleFinding(id DetectorID, ev *Event, at int64) Finding {
	f := Finding{Detector: id, User: ev.User, DeviceID: ev.DeviceID, Evidence: []string{}}
	if ev.ActivityID != "" {
		f.Evidence = append(f.Evidence, ev.ActivityID)
	}
	f.WindowStart = time.Unix(0, at).UTC()
	f.WindowEnd = f.WindowStart
	return f
}

// remember records key as seen at and reports whether it is new while
// other keys of its kind are remembered. When the kind already has limit
// keys, the least recently seen one makes room.
func (u *userState) remember(key uint64, at int64, limit int) bool {
	device := isDevice(key)
	n, oldest := 0, -1
	for i := range u.known {
		k := &u.known[i]
		if k.key == key {
			k.seen = max(k.seen, at)
			return false
		}
		if isDevice(k.key) != device {
			continue
		}
		n++
		if oldest < 0 || k.seen < u.known[oldest].seen {
			oldest = i
		}
	}
	if n >= limit {
		u.known[oldest] = knownKey{key: key, seen: at}
	} else {
		u.known = append(u.known, knownKey{key: key, seen: at})
	}
	return n > 0
}

// expireKnown forgets the prefixes and devices not seen within their
// ForgetAfter before now.
func (d *Detector) expireKnown(u *userState, now int64) {
	rangeCutoff := now - int64(d.cfg.NewIPRange.ForgetAfter)
	deviceCutoff := now - int64(d.cfg.NewDevice.ForgetAfter)
	u.known = slices.DeleteFunc(u.known, func(k knownKey) bool {
		if isDevice(k.key) {
			return k.seen <= deviceCutoff
		}
		return k.seen <= rangeCutoff
	})
}
