package uplink

import (
	"math/rand/v2"
	"time"
)

// backoff computes jittered exponential delays between min and max.
type backoff struct {
	min, max time.Duration
	attempt  int
}

// next returns the delay before the next attempt: a random value in the
// upper half of min·2^attempt, capped at max and never below min.
func (b *backoff) next() time.Duration {
	d := b.max
	if b.attempt < 32 {
		d = min(b.min<<b.attempt, b.max)
	}
	b.attempt++
	d = d/2 + rand.N(d/2+1)
	return max(d, b.min)
}

func (b *backoff) reset() { b.attempt = 0 }
