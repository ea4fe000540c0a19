// Package anomaly watches the stream of decided activities for patterns that
// a single policy decision cannot see. It detects many downloads in a short
// time, a burst of sensitive uploads and repeated blocked attempts. It also
// detects activity from an IP range the user has not used and a sign-in
// from a new device.
//
// A Detector keeps all state in memory, sharded by user, and is safe for
// concurrent use. State is lost on restart, and Learn can replay recent
// activities to rebuild it. Thresholds and defaults are described in
// docs/anomaly.md.
package anomaly

import (
	"net/netip"
	"time"

	"parapet/protocol"
)

// DetectorID names one detector in findings and in the configuration.
type DetectorID string

// Detectors.
const (
	DetectorMassDownload    DetectorID = "mass_download"
	DetectorSensitiveUpload DetectorID = "sensitive_upload"
	DetectorRepeatedBlocks  DetectorID = "repeated_blocks"
	DetectorNewIPRange      DetectorID = "new_ip_range"
	DetectorNewDevice       DetectorID = "new_device"
)

// Action is the server's response to a finding.
type Action string

// Actions.
const (
	// ActionAlert only reports the finding.
	ActionAlert Action = "alert"
	// ActionBlockUser blocks every action of the user for the detector's
	// BlockFor duration. The Detector records the block, see BlockedUntil.
	ActionBlockUser Action = "block_user"
	// ActionStepUp requires the user to authenticate again.
	ActionStepUp Action = "step_up"
)

// Severity ranks findings for people who triage them.
type Severity string

// Severities, from least to most severe.
const (
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
)

// Event is one decided activity, as the server logged it.
type Event struct {
	// User is the identity the device is enrolled for. Events without a
	// user are ignored.
	User     string
	DeviceID string
	// SourceIP is the address of the agent's link. The zero Addr skips
	// the IP range detector.
	SourceIP netip.Addr
	Activity protocol.Activity
	Decision protocol.Decision
	// FileSize is the size of a downloaded file in bytes. Zero or a
	// negative value, such as -1 for an unknown size, adds no bytes.
	FileSize int64
	// Sensitive is true for an upload whose inspection found a label or a
	// content detector match (see Sensitive).
	Sensitive bool
	// ActivityID is the activity log id. Findings list it as evidence,
	// and the Detector keeps the string while the event is in a window.
	ActivityID string
	// Time is when the activity was decided. The zero time, and any time
	// after the Detector's clock, are replaced by the clock's time.
	Time time.Time
}

// Finding reports one anomaly.
type Finding struct {
	Detector DetectorID `json:"detector"`
	User     string     `json:"user"`
	// DeviceID is the device of the event that completed the finding.
	DeviceID string   `json:"device_id"`
	Action   Action   `json:"action"`
	Severity Severity `json:"severity"`
	// BlockedUntil is the end of the user's block, set for
	// ActionBlockUser findings from Observe.
	BlockedUntil time.Time `json:"blocked_until,omitzero"`
	// Reason is one sentence for the admin.
	Reason string `json:"reason"`
	// Evidence lists the activity ids that make up the finding, oldest
	// first: every event in the window for a counting detector (at most
	// its maximum plus one), the single triggering event otherwise.
	// Events without an ActivityID are left out.
	Evidence    []string  `json:"evidence"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
}

// Sensitive reports whether an upload's inspection found a sensitivity
// label or a content detector match. It is the usual source of
// Event.Sensitive.
func Sensitive(f *protocol.FileInfo) bool {
	return f != nil && (f.Label != nil || len(f.Detectors) > 0)
}
