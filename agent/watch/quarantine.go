package watch

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Quarantine is the value of the macOS com.apple.quarantine extended
// attribute, "flags;time;agent;event-id", for example
// "0083;65a1b2c3;Google Chrome;6D3F...". Flags and time are hexadecimal,
// and time is in seconds since the Unix epoch.
type Quarantine struct {
	Flags   uint32
	Time    time.Time
	Agent   string // downloading application
	EventID string // UUID of the row in the QuarantineEventsV2 database
}

// ParseQuarantine parses a com.apple.quarantine value. Only the flags field
// is required. The time, agent and event id may be missing or empty.
func ParseQuarantine(value string) (Quarantine, error) {
	fields := strings.SplitN(strings.TrimRight(value, "\x00\n"), ";", 4)
	for len(fields) < 4 {
		fields = append(fields, "")
	}
	flags, err := strconv.ParseUint(fields[0], 16, 32)
	if err != nil {
		return Quarantine{}, fmt.Errorf("parsing quarantine flags %q: %w", fields[0], err)
	}
	q := Quarantine{Flags: uint32(flags), Agent: fields[2], EventID: fields[3]}
	if fields[1] != "" {
		secs, err := strconv.ParseInt(fields[1], 16, 64)
		if err != nil {
			return Quarantine{}, fmt.Errorf("parsing quarantine time %q: %w", fields[1], err)
		}
		q.Time = time.Unix(secs, 0).UTC()
	}
	return q, nil
}
