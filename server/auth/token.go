package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// TokenPrefix starts every API and session token, so secret scanners and
// people can recognize one.
const TokenPrefix = "ppt_"

// NewToken returns a token of 32 random bytes and its SHA-256, which is
// all the server stores.
func NewToken() (token string, sum []byte, err error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("reading random bytes: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	return token, HashToken(token), nil
}

// HashToken returns the SHA-256 of token.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// ValidRole reports whether role is admin or analyst.
func ValidRole(role string) bool { return role == "admin" || role == "analyst" }
