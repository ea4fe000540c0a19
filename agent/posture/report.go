package posture

import (
	"reflect"
	"time"

	"parapet/protocol"
)

// State is the outcome of one posture check.
type State string

// Check states.
const (
	StateEnabled  State = "enabled"
	StateDisabled State = "disabled"
	StateUnknown  State = "unknown"
)

// Check is the result of one probe, such as the firewall probe.
//
// JSON: {"state":"enabled|disabled|unknown","detail":"...","reason":"..."}.
// detail names what the probe found (for example "ufw: active"), and
// reason, set only for unknown, explains why the probe could not decide.
type Check struct {
	State  State  `json:"state"`
	Detail string `json:"detail,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func enabled(detail string) Check  { return Check{State: StateEnabled, Detail: detail} }
func disabled(detail string) Check { return Check{State: StateDisabled, Detail: detail} }
func unknown(reason string) Check  { return Check{State: StateUnknown, Reason: reason} }

// Extension is what the bridge last heard from the browser extension.
//
// JSON: {"recent":true,"last_seen":"2026-12-03T10:01:00Z"}. last_seen is
// left out when no extension has sent a message since the agent started.
type Extension struct {
	// Recent is true when an extension sent a message within the
	// collector's ExtensionWindow.
	Recent   bool       `json:"recent"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// Report is the full set of device facts. Its JSON form is the body that
// posture.report will carry once protocol.PostureReport has these fields:
//
//	{"os":"linux","platform":"debian","platform_version":"12",
//	 "kernel_version":"6.1.0-18-amd64","hostname":"pc-7","host_id":"…",
//	 "agent_version":"0.1.0","collected_at":"2026-12-03T10:01:00Z",
//	 "agent_uptime_seconds":3600,"credential_store":"keyring",
//	 "disk_encryption":{…Check},"firewall":{…Check},
//	 "screen_lock":{…Check},"auto_updates":{…Check},
//	 "extension":{"recent":true,"last_seen":"…"}}
//
// Until then Wire returns the fields that protocol.PostureReport has.
type Report struct {
	OS              string    `json:"os"`
	Platform        string    `json:"platform"`
	PlatformVersion string    `json:"platform_version"`
	KernelVersion   string    `json:"kernel_version,omitempty"`
	Hostname        string    `json:"hostname"`
	HostID          string    `json:"host_id"`
	AgentVersion    string    `json:"agent_version"`
	CollectedAt     time.Time `json:"collected_at"`

	AgentUptimeSeconds int64 `json:"agent_uptime_seconds"`
	// CredentialStore is "keyring" or "file", or empty before the device
	// has a stored credential.
	CredentialStore string    `json:"credential_store,omitempty"`
	DiskEncryption  Check     `json:"disk_encryption"`
	Firewall        Check     `json:"firewall"`
	ScreenLock      Check     `json:"screen_lock"`
	AutoUpdates     Check     `json:"auto_updates"`
	Extension       Extension `json:"extension"`
}

// Wire returns the report as a posture.report body.
func (r *Report) Wire() *protocol.PostureReport {
	return &protocol.PostureReport{
		OS:                 r.OS,
		Platform:           r.Platform,
		PlatformVersion:    r.PlatformVersion,
		KernelVersion:      r.KernelVersion,
		Hostname:           r.Hostname,
		HostID:             r.HostID,
		AgentVersion:       r.AgentVersion,
		CollectedAt:        r.CollectedAt,
		AgentUptimeSeconds: r.AgentUptimeSeconds,
		CredentialStore:    r.CredentialStore,
		DiskEncryption:     r.DiskEncryption.wire(),
		Firewall:           r.Firewall.wire(),
		ScreenLock:         r.ScreenLock.wire(),
		AutoUpdates:        r.AutoUpdates.wire(),
		Extension:          &protocol.ExtensionCheckIn{Recent: r.Extension.Recent, LastSeen: r.Extension.LastSeen},
	}
}

// wire returns the check as sent, or nil when the probe did not run.
func (c Check) wire() *protocol.PostureCheck {
	if c.State == "" {
		return nil
	}
	return &protocol.PostureCheck{State: string(c.State), Detail: c.Detail, Reason: c.Reason}
}

// SameFacts reports whether r and other state the same facts, ignoring
// the fields that change on every collection: collected_at, the uptime and
// the extension's last_seen time.
func (r *Report) SameFacts(other *Report) bool {
	if other == nil {
		return false
	}
	a, b := *r, *other
	for _, x := range []*Report{&a, &b} {
		x.CollectedAt = time.Time{}
		x.AgentUptimeSeconds = 0
		x.Extension.LastSeen = nil
	}
	return reflect.DeepEqual(a, b)
}
