package protocol

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Error codes sent back to a peer whose message was rejected.
const (
	CodeTooLarge           = "too_large"
	CodeMalformed          = "malformed"
	CodeUnsupportedVersion = "unsupported_version"
	CodeUnknownType        = "unknown_type"
	CodeInvalidField       = "invalid_field"
)

// DecodeError is returned by Decode. Reply converts it into the error
// message for the peer.
type DecodeError struct {
	// Code is one of the Code constants.
	Code string
	// RefID is the id of the rejected message, when it could be read.
	RefID string
	// Err is the underlying problem.
	Err error
}

func (e *DecodeError) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// Reply returns the error body to send to the peer that sent the rejected
// message.
// The message quotes the rejected input only up to a bound, as valid UTF-8
// without NUL bytes, so the reply itself always passes validation.
func (e *DecodeError) Reply() *Error {
	return &Error{Code: e.Code, Message: ReplyText(e.Err.Error()), RefID: e.RefID}
}

// ReplyText makes s fit the message of an error body: valid UTF-8 without
// NUL bytes, at most about 1 KiB, and never empty. Error texts may quote
// rejected input, so every sender of an error body passes them through it.
func ReplyText(s string) string {
	const limit = 1024
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if s == "" {
		return "the message was rejected"
	}
	return s
}

// Decode parses and validates one message. It rejects messages larger than
// MaxMessageSize, unknown fields, other protocol versions, unknown types and
// invalid bodies, each with a *DecodeError.
func Decode(data []byte) (*Message, error) {
	if len(data) > MaxMessageSize {
		return nil, &DecodeError{Code: CodeTooLarge,
			Err: fmt.Errorf("message is %d bytes, limit is %d", len(data), MaxMessageSize)}
	}
	var env Envelope
	if err := strictUnmarshal(data, &env); err != nil {
		return nil, &DecodeError{Code: CodeMalformed, Err: fmt.Errorf("decoding envelope: %w", err)}
	}
	ref := ""
	if ValidID(env.ID) {
		ref = env.ID
	}
	if env.Version != Version {
		return nil, &DecodeError{Code: CodeUnsupportedVersion, RefID: ref,
			Err: fmt.Errorf("protocol version %d is not supported, this peer speaks version %d", env.Version, Version)}
	}
	if ref == "" {
		return nil, &DecodeError{Code: CodeInvalidField, Err: errors.New("id: missing or not a valid id")}
	}
	if env.Time.IsZero() {
		return nil, &DecodeError{Code: CodeInvalidField, RefID: ref, Err: errors.New("ts: missing")}
	}
	body := newBody(env.Type)
	if body == nil {
		return nil, &DecodeError{Code: CodeUnknownType, RefID: ref,
			Err: fmt.Errorf("message type %q is not known", truncate(string(env.Type), 64))}
	}
	raw := env.Body
	if len(raw) == 0 || string(raw) == "null" {
		raw = []byte("{}")
	}
	if err := strictUnmarshal(raw, body); err != nil {
		return nil, &DecodeError{Code: CodeMalformed, RefID: ref, Err: fmt.Errorf("decoding %s body: %w", env.Type, err)}
	}
	if err := body.Validate(); err != nil {
		return nil, &DecodeError{Code: CodeInvalidField, RefID: ref, Err: err}
	}
	return &Message{Envelope: env, Payload: body}, nil
}

// strictUnmarshal decodes exactly one JSON value and rejects unknown
// fields, fields whose name differs from the declared one in case, and
// duplicate fields.
func strictUnmarshal(data []byte, v any) error {
	if err := checkKeys(data, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Encode builds an envelope around body with the given id. An empty id gets
// a fresh random one. Encode validates body first, so a peer never receives
// a message that its own Decode would reject.
func Encode(id string, body Body) ([]byte, error) {
	if err := body.Validate(); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", body.MessageType(), err)
	}
	if id == "" {
		id = NewID()
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encoding %s body: %w", body.MessageType(), err)
	}
	env := Envelope{Version: Version, Type: body.MessageType(), ID: id, Time: time.Now().UTC(), Body: raw}
	data, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encoding %s envelope: %w", body.MessageType(), err)
	}
	if len(data) > MaxMessageSize {
		return nil, fmt.Errorf("encoding %s: %d bytes exceeds the %d byte limit", body.MessageType(), len(data), MaxMessageSize)
	}
	return data, nil
}

// NewID returns a random 128-bit id in hex.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("reading random bytes: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
