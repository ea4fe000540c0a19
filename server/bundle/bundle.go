// Package bundle builds and verifies signed policy bundles, which let an
// agent decide actions by the server's policies while the server cannot be
// reached.
//
// A bundle is one JSON object:
//
//	{"format":"parapet-policy-bundle-v1","key_id":"...","revision":7,
//	 "issued_at":"2026-12-03T10:00:00Z","policies":"apps:\n...","signature":"BASE64"}
//
// policies is the canonical YAML of the policy set (policy.Export), and
// signature is the standard base64 encoding of an ed25519 signature over
// the bytes that SignedMessage returns. The message is rebuilt from the
// decoded values, so re-encoding the JSON does not break the signature.
package bundle

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"parapet/server/policy"
)

// Format is the value of Bundle.Format that this package writes and reads.
const Format = "parapet-policy-bundle-v1"

// MaxSize is the largest encoded bundle that Verify accepts, in bytes.
// NOTE: it is four times the admin API's 1 MiB policy body limit, because
// the canonical YAML of a set is close to its source in size. That ratio
// is an estimate, not a measurement.
const MaxSize = 4 << 20

// Bundle is a policy set signed by the server.
type Bundle struct {
	// Format is always Format.
	Format string `json:"format"`
	// KeyID identifies the signing key; see KeyID.
	KeyID string `json:"key_id"`
	// Revision is the policy revision that policy.update messages carry.
	Revision int64 `json:"revision"`
	// IssuedAt is when the server built the bundle, in whole seconds.
	IssuedAt time.Time `json:"issued_at"`
	// Policies is the canonical YAML of the policy set.
	Policies string `json:"policies"`
	// Signature is the ed25519 signature over SignedMessage.
	Signature []byte `json:"signature"`
}

// KeyID returns the id of a public key: the lowercase hex of the first 8
// bytes of the SHA-256 of its 32 bytes.
func KeyID(key ed25519.PublicKey) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// SignedMessage returns the bytes that the signature covers: five lines,
// each ending in "\n", followed by the YAML:
//
//	parapet-policy-bundle-v1
//	key_id=KEYID
//	revision=REVISION (decimal)
//	issued_at=UNIX SECONDS (decimal)
//	policies_sha256=LOWERCASE HEX SHA-256 OF THE YAML
//	YAML
func (b *Bundle) SignedMessage() []byte {
	sum := sha256.Sum256([]byte(b.Policies))
	var sb strings.Builder
	sb.Grow(len(Format) + len(b.KeyID) + len(b.Policies) + 160)
	sb.WriteString(Format + "\n")
	sb.WriteString("key_id=" + b.KeyID + "\n")
	sb.WriteString("revision=" + strconv.FormatInt(b.Revision, 10) + "\n")
	sb.WriteString("issued_at=" + strconv.FormatInt(b.IssuedAt.Unix(), 10) + "\n")
	sb.WriteString("policies_sha256=" + hex.EncodeToString(sum[:]) + "\n")
	sb.WriteString(b.Policies)
	return []byte(sb.String())
}

// ETag returns the entity tag under which the server serves the bundle:
// the revision and the first 16 hex digits of the YAML's SHA-256, quoted.
// An agent sends it back in If-None-Match.
func (b *Bundle) ETag() string {
	sum := sha256.Sum256([]byte(b.Policies))
	return `"` + strconv.FormatInt(b.Revision, 10) + "-" + hex.EncodeToString(sum[:8]) + `"`
}

// PolicySet parses the bundle's YAML into a policy set.
func (b *Bundle) PolicySet() (*policy.Set, error) {
	set, err := policy.Parse("policy bundle revision "+strconv.FormatInt(b.Revision, 10), []byte(b.Policies))
	if err != nil {
		return nil, fmt.Errorf("parsing bundle policies: %w", err)
	}
	return set, nil
}

// Sign exports set as canonical YAML and returns the encoded bundle for
// revision, signed with key and issued at issuedAt, truncated to seconds.
func Sign(set *policy.Set, revision int64, issuedAt time.Time, key ed25519.PrivateKey) ([]byte, *Bundle, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, nil, fmt.Errorf("signing policy bundle: key is %d bytes, want %d", len(key), ed25519.PrivateKeySize)
	}
	if revision <= 0 {
		return nil, nil, fmt.Errorf("signing policy bundle: revision %d is not positive", revision)
	}
	yaml, err := policy.Export(set)
	if err != nil {
		return nil, nil, fmt.Errorf("signing policy bundle: %w", err)
	}
	b := &Bundle{
		Format:   Format,
		KeyID:    KeyID(key.Public().(ed25519.PublicKey)),
		Revision: revision,
		IssuedAt: issuedAt.UTC().Truncate(time.Second),
		Policies: string(yaml),
	}
	b.Signature = ed25519.Sign(key, b.SignedMessage())
	data, err := json.Marshal(b)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding policy bundle: %w", err)
	}
	return data, b, nil
}

// Errors that Verify wraps, so a caller can tell a forged bundle from a
// replayed one.
var (
	ErrInvalid   = errors.New("invalid policy bundle")
	ErrSignature = errors.New("policy bundle signature does not verify")
	ErrOutdated  = errors.New("policy bundle is older than the accepted revision")
)

// Verify decodes data and checks that key signed it. It rejects a bundle
// whose revision is lower than minRevision, so a replayed old bundle
// cannot restore weaker policies. Pass the revision of the newest bundle
// the caller accepted before, or 0 when there is none. Verify does not
// parse the YAML, which PolicySet does.
func Verify(data []byte, key ed25519.PublicKey, minRevision int64) (*Bundle, error) {
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("verifying policy bundle: public key is %d bytes, want %d", len(key), ed25519.PublicKeySize)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("verifying policy bundle: %w: %d bytes, limit is %d", ErrInvalid, len(data), MaxSize)
	}
	b, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("verifying policy bundle: %w", err)
	}
	if want := KeyID(key); b.KeyID != want {
		return nil, fmt.Errorf("verifying policy bundle: %w: signed by key %q, want key %q", ErrSignature, truncate(b.KeyID), want)
	}
	if !ed25519.Verify(key, b.SignedMessage(), b.Signature) {
		return nil, fmt.Errorf("verifying policy bundle revision %d: %w", b.Revision, ErrSignature)
	}
	if b.Revision < minRevision {
		return nil, fmt.Errorf("verifying policy bundle: %w: revision %d, accepted revision %d", ErrOutdated, b.Revision, minRevision)
	}
	return b, nil
}

// decode parses the JSON strictly and checks the fields that do not need
// the key.
func decode(data []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: decoding JSON: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalid)
	}
	switch {
	case b.Format != Format:
		return nil, fmt.Errorf("%w: format %q, want %q", ErrInvalid, truncate(b.Format), Format)
	case b.Revision <= 0:
		return nil, fmt.Errorf("%w: revision %d is not positive", ErrInvalid, b.Revision)
	case b.IssuedAt.IsZero():
		return nil, fmt.Errorf("%w: issued_at missing", ErrInvalid)
	case b.IssuedAt.Nanosecond() != 0:
		// The signed message carries whole seconds, so a fraction would
		// not be covered by the signature.
		return nil, fmt.Errorf("%w: issued_at has a fraction of a second", ErrInvalid)
	case len(b.Signature) != ed25519.SignatureSize:
		return nil, fmt.Errorf("%w: signature is %d bytes, want %d", ErrInvalid, len(b.Signature), ed25519.SignatureSize)
	}
	return &b, nil
}

// truncate shortens untrusted text before it goes into an error.
func truncate(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
