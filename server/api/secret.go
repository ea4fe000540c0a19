package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"parapet/protocol"
)

// Secret is the SHA-256 of a token. Keeping only the hash means the
// plaintext token is not in memory longer than startup needs it.
type Secret [sha256.Size]byte

// NewSecret hashes token.
func NewSecret(token string) Secret { return sha256.Sum256([]byte(token)) }

// Matches compares the hash of token with s in constant time.
func (s Secret) Matches(token string) bool {
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], s[:]) == 1
}

// secretBytes is the length of a device credential's random secret.
const secretBytes = 32

// newCredential returns a device id, the credential DEVICEID.SECRET to hand
// to the agent and the SHA-256 of SECRET to store.
func newCredential() (deviceID, credential string, hash []byte, err error) {
	deviceID = "dev-" + protocol.NewID()[:24]
	credential, hash, err = newDeviceSecret(deviceID)
	return deviceID, credential, hash, err
}

// newDeviceSecret returns a new credential DEVICEID.SECRET for deviceID
// and the SHA-256 of SECRET.
func newDeviceSecret(deviceID string) (credential string, hash []byte, err error) {
	var raw [secretBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", nil, fmt.Errorf("reading random bytes: %w", err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(secret))
	return deviceID + "." + secret, sum[:], nil
}

// splitCredential splits DEVICEID.SECRET. Device ids never contain a dot
// and base64url never does, so the last dot separates the two.
func splitCredential(credential string) (deviceID, secret string, ok bool) {
	i := strings.LastIndexByte(credential, '.')
	if i <= 0 || i == len(credential)-1 {
		return "", "", false
	}
	deviceID, secret = credential[:i], credential[i+1:]
	if !protocol.ValidID(deviceID) {
		return "", "", false
	}
	return deviceID, secret, true
}

// bearerToken returns the token of an "Authorization: Bearer TOKEN" header.
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
