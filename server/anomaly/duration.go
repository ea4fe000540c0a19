package anomaly

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as a Go duration string ("90s",
// "15m", "720h") in YAML and JSON. Go duration strings have no day unit.
type Duration time.Duration

// MarshalText returns the duration in time.Duration.String form.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).String()), nil
}

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf("parsing duration %q (use a unit such as 30s, 15m or 720h): %w", text, err)
	}
	*d = Duration(v)
	return nil
}
