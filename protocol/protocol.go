// Package protocol defines the messages that cross Parapet's two links: the
// browser extension to the agent (a loopback websocket) and the agent to the
// server (a TLS websocket). Both links carry the same versioned envelope, so
// one decoder with one set of limits guards every peer.
package protocol

import (
	"encoding/json"
	"time"
)

// Version is the protocol version this build speaks. A peer that sends any
// other version gets an error message with code CodeUnsupportedVersion.
const Version = 1

// MaxMessageSize is the largest encoded message, in bytes, that Decode
// accepts. Readers also pass it to the websocket library as the read limit.
const MaxMessageSize = 64 << 10

// Type names the kind of body an envelope carries.
type Type string

// Message types. A type not listed here is rejected with CodeUnknownType.
const (
	TypeHello          Type = "hello"
	TypePing           Type = "ping"
	TypePong           Type = "pong"
	TypeActionRequest  Type = "action.request"
	TypeVerdict        Type = "verdict"
	TypePostureReport  Type = "posture.report"
	TypePolicyUpdate   Type = "policy.update"
	TypeActivityLog    Type = "activity.report"
	TypeAck            Type = "ack"
	TypeUploadChunk    Type = "upload.chunk"
	TypeActivityUpdate Type = "activity.update"
	TypeAccessChanged  Type = "access.changed"
	TypeError          Type = "error"
)

// Envelope is the outer frame of every message on both links.
type Envelope struct {
	// Version is the protocol version of the sender.
	Version int `json:"v"`
	// Type selects the body's schema.
	Type Type `json:"type"`
	// ID identifies the message; replies refer to it. At most MaxIDLength
	// characters of [A-Za-z0-9._:-].
	ID string `json:"id"`
	// Time is when the sender created the message, in RFC 3339 format.
	Time time.Time `json:"ts"`
	// Body is the type-specific payload, decoded by Decode.
	Body json.RawMessage `json:"body"`
}

// Message is a decoded and validated envelope with its typed body.
type Message struct {
	Envelope
	// Payload is a pointer to the body type that Type names, for example
	// *ActionRequest for TypeActionRequest.
	Payload Body
}

// Body is implemented by every message body.
type Body interface {
	// MessageType returns the envelope type that carries this body.
	MessageType() Type
	// Validate reports the first invalid field, naming it.
	Validate() error
}
