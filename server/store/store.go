// Package store keeps devices and the activity log. Store is the interface
// the rest of the server uses, and SQLite is its implementation, so another
// database such as PostgreSQL can be added behind the same interface.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a record with the same unique key, such as
// an account's email, already exists.
var ErrConflict = errors.New("already exists")

// Store is the server's persistent state. Implementations are safe for
// concurrent use.
type Store interface {
	// CreateDevice inserts a new device.
	CreateDevice(ctx context.Context, d Device) error
	// Device returns the device with id, or ErrNotFound.
	Device(ctx context.Context, id string) (Device, error)
	// TouchDevice records that the device was seen at a time from an IP.
	TouchDevice(ctx context.Context, id string, at time.Time, ip string) error
	// SetPosture stores the device's latest posture report, as JSON.
	SetPosture(ctx context.Context, id string, posture json.RawMessage) error
	// InsertActivity appends a to the activity log. An agent-decided
	// activity whose (DeviceID, RequestID) is already logged is skipped,
	// and inserted is false.
	InsertActivity(ctx context.Context, a Activity) (inserted bool, err error)
	// UpdateStoredFile records what the agent did to the file of the
	// activity eventID of device deviceID, or returns ErrNotFound.
	UpdateStoredFile(ctx context.Context, deviceID, eventID string, f StoredFile) error
	// ListActivities returns up to limit activities, newest first.
	ListActivities(ctx context.Context, limit int) ([]Activity, error)
	// EnrollDevice stores a newly enrolled device, consuming one use of its
	// enrollment token, and revokes earlier devices with the same host id.
	// See Enrollment and the Err*Token errors.
	EnrollDevice(ctx context.Context, e Enrollment) (Enrolled, error)
	// SetPendingCredential stores the hash of a rotated credential. The
	// current credential stays valid until PromoteCredential.
	SetPendingCredential(ctx context.Context, id string, sum []byte) error
	// PromoteCredential makes the pending credential whose hash is sum the
	// device's only credential. It returns ErrNotFound when the device has
	// no such pending credential, for example after another promotion.
	PromoteCredential(ctx context.Context, id string, sum []byte) error
	// PolicyRevision returns the revision number of the policy file with
	// the given digest. A digest different from the latest one gets the
	// next revision, so revisions increase with every change and survive
	// restarts.
	PolicyRevision(ctx context.Context, digest string, at time.Time) (int64, error)
	AdminStore
	Close() error
}

// Device is an enrolled endpoint.
type Device struct {
	ID       string
	User     string
	Hostname string
	HostID   string
	// Managed is true for devices enrolled with the organization's token.
	Managed bool
	// CredentialSHA256 is the SHA-256 of the credential's secret part.
	CredentialSHA256 []byte
	EnrolledAt       time.Time
	// LastSeenAt is zero for a device that never connected.
	LastSeenAt  time.Time
	LastIP      string
	LastPosture json.RawMessage
	// RevokedAt is zero for a device whose credential is still valid.
	RevokedAt time.Time
	// EnrollmentTokenID is the enrollment token the device enrolled with,
	// or empty for the server's own token.
	EnrollmentTokenID string
	// PendingCredentialSHA256 is the hash of a rotated credential's secret
	// that the agent has not used yet, or nil.
	PendingCredentialSHA256 []byte
}

// Decision makers recorded in Activity.DecidedBy.
const (
	DecidedByServer = "server"
	DecidedByAgent  = "agent"
)

// Activity is one entry of the activity log, in the JSON form the admin
// API returns.
type Activity struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	User     string    `json:"user"`
	DeviceID string    `json:"device_id"`
	// AppID is empty for an action outside every protected app.
	AppID    string `json:"app_id"`
	AppHost  string `json:"app_host"`
	Activity string `json:"activity"`
	FileName string `json:"file_name"`
	// FileSize is nil when the action has no file and -1 when the size
	// is not known.
	FileSize  *int64   `json:"file_size"`
	FileMIME  string   `json:"file_mime"`
	PageURL   string   `json:"page_url"`
	TargetURL string   `json:"target_url"`
	SourceIP  string   `json:"source_ip"`
	Decision  string   `json:"decision"`
	PolicyIDs []string `json:"policy_ids"`
	Reason    string   `json:"reason"`
	// DecidedBy is DecidedByServer or DecidedByAgent.
	DecidedBy string `json:"decided_by"`
	// RequestID is the envelope id of the action.request.
	RequestID string `json:"request_id"`
	// Codes are the decision's reason codes, such as policy_matched and
	// test_mode_would_block.
	Codes []string `json:"codes"`
	// Explain is the policy engine's explanation of the decision, with one
	// trace entry per evaluated policy; null for agent-decided activities.
	Explain json.RawMessage `json:"explain"`
	// FileLabel is the id of the label the agent found in an uploaded file.
	FileLabel string `json:"file_label,omitempty"`
	// FileDetectors are the content detectors that matched an upload.
	FileDetectors []string `json:"file_detectors"`
	// Stored describes what the agent did to a downloaded file after the
	// decision; nil until the agent reports it.
	Stored *StoredFile `json:"stored"`
}

// StoredFile is the file a protect decision left on the device.
type StoredFile struct {
	// Label is the id of the label written into the file.
	Label string `json:"label"`
	// Encryption is none, org or user.
	Encryption string `json:"encryption"`
	SHA256     string `json:"sha256"`
	FileName   string `json:"file_name"`
}
