package identity

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns prefix followed by 32 random hex digits (128 bits).
func NewID(prefix string) string {
	var raw [16]byte
	// crypto/rand.Read never returns an error since Go 1.24. It aborts the
	// program when the system's source fails.
	rand.Read(raw[:])
	return prefix + hex.EncodeToString(raw[:])
}
