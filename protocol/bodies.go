package protocol

import "time"

// Activity is a user action in a protected app.
type Activity string

// Activities the extension reports.
const (
	ActivityDownload Activity = "download"
	ActivityUpload   Activity = "upload"
	ActivityCopy     Activity = "copy"
	ActivityCut      Activity = "cut"
	ActivityPaste    Activity = "paste"
	ActivityPrint    Activity = "print"
	ActivityNavigate Activity = "navigate"
	ActivitySignIn   Activity = "sign_in"
)

// Decision is the outcome of a policy evaluation.
type Decision string

// Decisions, from least to most restrictive.
const (
	DecisionAllow   Decision = "allow"
	DecisionMonitor Decision = "monitor"
	DecisionProtect Decision = "protect"
	DecisionWarn    Decision = "warn"
	DecisionStepUp  Decision = "step_up"
	DecisionBlock   Decision = "block"
)

// Hello opens a link. The extension sends it to the agent, the agent to the
// server, and each side replies with its own Hello.
type Hello struct {
	// Peer is the sender's role: "extension", "agent" or "server".
	Peer string `json:"peer"`
	// Software is the sender's build version, for logs and diagnostics.
	Software string `json:"software"`
	// DeviceID is set by the agent and the server once the device is
	// enrolled.
	DeviceID string `json:"device_id,omitempty"`
	// User is the identity the agent acts for, as enrolled.
	User string `json:"user,omitempty"`
}

// FileInfo describes the file an action moves.
type FileInfo struct {
	// Name is the base name, without any folder.
	Name string `json:"name"`
	// Size is the length in bytes, or -1 when not known yet.
	Size int64 `json:"size"`
	// MIMEType is the media type the browser reported, if any.
	MIMEType string `json:"mime_type,omitempty"`
	// SHA256 is the hex digest of the content, when the sender has it.
	SHA256 string `json:"sha256,omitempty"`
	// Label is the sensitivity label the agent found in the file. The
	// agent sets it after inspecting an upload; it ignores any label the
	// extension sends.
	Label *FileLabel `json:"label,omitempty"`
	// Detectors lists the ids of the content detectors that matched, as
	// found by the agent's inspection.
	Detectors []string `json:"detectors,omitempty"`
	// Inspection is the agent's result of inspecting the content: one of
	// the Inspection constants, or empty when nothing was inspected.
	Inspection string `json:"inspection,omitempty"`
}

// Inspection results in FileInfo.Inspection.
const (
	// InspectionComplete means the content was read and inspected.
	InspectionComplete = "complete"
	// InspectionOversized means the file is larger than the inspection
	// limit, so only its name and size are known.
	InspectionOversized = "oversized"
	// InspectionFailed means the content could not be read or parsed.
	InspectionFailed = "failed"
)

// FileLabel identifies a sensitivity label by the GUIDs Office and PDF
// tools use.
type FileLabel struct {
	// ID is the label's GUID, lowercase without braces.
	ID string `json:"id"`
	// TenantID is the GUID of the tenant that defined the label.
	TenantID string `json:"tenant_id"`
	// Name is the label's display name, for messages only; labels are
	// matched by ID and tenant, never by name.
	Name string `json:"name,omitempty"`
}

// Encryption targets of a protect decision.
const (
	EncryptNone = "none"
	EncryptOrg  = "org"
	EncryptUser = "user"
)

// Protection is the labeling and encryption the agent applies to a
// downloaded file.
type Protection struct {
	// Label is written into the file's metadata.
	Label FileLabel `json:"label"`
	// Encrypt is EncryptNone, EncryptOrg or EncryptUser.
	Encrypt string `json:"encrypt"`
	// Recipients are the age recipients ("age1...") the file is
	// encrypted to; empty when Encrypt is EncryptNone.
	Recipients []string `json:"recipients,omitempty"`
}

// ActionRequest requests a verdict on one activity. The extension sends it
// to the agent, and the agent forwards it to the server unchanged; the
// server takes the device and user from the authenticated link.
type ActionRequest struct {
	// Activity is the kind of action the user takes.
	Activity Activity `json:"activity"`
	// AppHost is the host (and port, when not the scheme's default) of
	// the page the action happens in.
	AppHost string `json:"app_host"`
	// PageURL is the URL of that page.
	PageURL string `json:"page_url"`
	// TargetURL is the resource the action fetches, such as a download URL.
	TargetURL string `json:"target_url,omitempty"`
	// File is set for downloads and uploads.
	File *FileInfo `json:"file,omitempty"`
	// TabID is the browser's id of the tab, used to show messages there.
	TabID int `json:"tab_id"`
	// SessionToken is the user's Parapet sign-in session, which the
	// extension keeps per browser profile. The agent forwards it and never
	// logs it; the server resolves it to the signed-in user.
	SessionToken string `json:"session_token,omitempty"`
	// Text is the clipboard content of a paste, at most MaxPasteText
	// bytes, for content inspection. The agent inspects it, records the
	// matching detectors in File (a FileInfo named clipboard.txt) and drops
	// the text before forwarding the request.
	Text string `json:"text,omitempty"`
	// Source is SourceWatcher for a file the agent's download watcher
	// found without any extension reporting it, such as a download by a
	// browser without Parapet; empty for actions the extension reported.
	Source string `json:"source,omitempty"`
}

// SourceWatcher marks an ActionRequest the agent made for a file that
// appeared in a download folder without an extension's request.
const SourceWatcher = "watcher"

// MaxPasteText is the longest ActionRequest.Text, in bytes.
const MaxPasteText = 32 << 10

// AccessChanged notifies the extension that the user's access changed during
// the session, for example that an admin blocked the user or that the
// device was revoked. The server sends it to the agent, which relays it to
// every extension connection; the extension shows Message in open tabs of
// protected apps.
type AccessChanged struct {
	// User is the user whose access changed.
	User string `json:"user"`
	// State is one of the Access constants.
	State string `json:"state"`
	// Message is a sentence for the user.
	Message string `json:"message"`
	// Until is when a temporary block ends, if it is temporary.
	Until *time.Time `json:"until,omitempty"`
}

// Access states in AccessChanged.State.
const (
	AccessBlocked  = "blocked"
	AccessRestored = "restored"
	AccessRevoked  = "device_revoked"
	AccessStepUp   = "step_up_required"
)

// Verdict is the reply to an ActionRequest.
type Verdict struct {
	// RequestID is the envelope id of the ActionRequest.
	RequestID string `json:"request_id"`
	// Decision is the outcome the extension enforces.
	Decision Decision `json:"decision"`
	// Message is the admin's text for the user; empty for allow.
	Message string `json:"message,omitempty"`
	// Reason is one sentence on why this decision was made.
	Reason string `json:"reason"`
	// PolicyIDs lists the ids of the policies that matched.
	PolicyIDs []string `json:"policy_ids"`
	// EventID is the activity log id of this decision, for support.
	EventID string `json:"event_id"`
	// Fix is the instruction to the user for making the action acceptable,
	// such as which label to apply before uploading again.
	Fix string `json:"fix,omitempty"`
	// Link is an optional URL with more help.
	Link string `json:"link,omitempty"`
	// Protect is set for DecisionProtect.
	Protect *Protection `json:"protect,omitempty"`
}

// UploadChunk carries part of a file the user is uploading, from the
// extension to the agent, for inspection. Chunks of one upload follow its
// action.request in order; the agent replies to the request with a verdict
// after the chunk with Last set.
type UploadChunk struct {
	// RequestID is the envelope id of the upload's action.request.
	RequestID string `json:"request_id"`
	// Offset is the position of Data in the file, in bytes.
	Offset int64 `json:"offset"`
	// Data is the chunk, base64-encoded (standard alphabet, padded), at
	// most MaxChunkSize bytes before encoding.
	Data []byte `json:"data"`
	// Last marks the final chunk.
	Last bool `json:"last"`
}

// MaxChunkSize is the largest decoded UploadChunk.Data, chosen so that an
// encoded chunk stays well inside MaxMessageSize.
const MaxChunkSize = 32 << 10

// ActivityUpdate adds what the agent did after a decision to its activity
// log entry, such as the label and encryption applied to a download. The
// server replies with an Ack.
type ActivityUpdate struct {
	// EventID is the activity log id from the verdict.
	EventID string `json:"event_id"`
	// Label is the label written into the stored file.
	Label *FileLabel `json:"label,omitempty"`
	// Encrypted is the encryption target applied: one of the Encrypt
	// constants.
	Encrypted string `json:"encrypted"`
	// SHA256 is the hex digest of the file as stored on disk.
	SHA256 string `json:"sha256"`
	// FileName is the stored file's base name, which changes when the
	// file is encrypted.
	FileName string `json:"file_name"`
}

// PostureReport carries the device facts the agent collected.
type PostureReport struct {
	OS              string    `json:"os"`
	Platform        string    `json:"platform"`
	PlatformVersion string    `json:"platform_version"`
	KernelVersion   string    `json:"kernel_version,omitempty"`
	Hostname        string    `json:"hostname"`
	HostID          string    `json:"host_id"`
	AgentVersion    string    `json:"agent_version"`
	CollectedAt     time.Time `json:"collected_at"`
	// AgentUptimeSeconds is how long the agent process has run.
	AgentUptimeSeconds int64 `json:"agent_uptime_seconds,omitempty"`
	// CredentialStore names the store of the device credential: "keyring"
	// or "file" (the owner-only file fallback).
	CredentialStore string `json:"credential_store,omitempty"`
	// DiskEncryption, Firewall, ScreenLock and AutoUpdates are the results
	// of the agent's probes; nil when the agent did not probe.
	DiskEncryption *PostureCheck `json:"disk_encryption,omitempty"`
	Firewall       *PostureCheck `json:"firewall,omitempty"`
	ScreenLock     *PostureCheck `json:"screen_lock,omitempty"`
	AutoUpdates    *PostureCheck `json:"auto_updates,omitempty"`
	// Extension is the browser extension's last check-in.
	Extension *ExtensionCheckIn `json:"extension,omitempty"`
}

// Posture check states.
const (
	PostureEnabled  = "enabled"
	PostureDisabled = "disabled"
	PostureUnknown  = "unknown"
)

// PostureCheck is the result of one posture probe.
type PostureCheck struct {
	// State is PostureEnabled, PostureDisabled or PostureUnknown.
	State string `json:"state"`
	// Detail names what was found, such as "LUKS on /dev/nvme0n1p3".
	Detail string `json:"detail,omitempty"`
	// Reason is why the state is unknown.
	Reason string `json:"reason,omitempty"`
}

// ExtensionCheckIn is the agent's record of the extension's last message.
type ExtensionCheckIn struct {
	// Recent is true when the extension sent a message recently.
	Recent bool `json:"recent"`
	// LastSeen is when it last did, if ever.
	LastSeen *time.Time `json:"last_seen,omitempty"`
}

// App is the description of one protected app that the extension needs.
type App struct {
	// ID is the app's id in the policy set.
	ID string `json:"id"`
	// Hosts are host patterns: an exact host, "*.example.org" for any
	// subdomain, and an optional ":port" or ":*" suffix.
	Hosts []string `json:"hosts"`
	// Sensitive apps fail closed when Parapet's server cannot be reached.
	Sensitive bool `json:"sensitive"`
}

// PolicyUpdate pushes the current set of protected apps. The server sends
// it to agents on connect and on every change; the agent relays it to the
// extension.
type PolicyUpdate struct {
	// Revision increases with every change of the policy set.
	Revision int64 `json:"revision"`
	// Apps are the protected apps.
	Apps []App `json:"apps"`
}

// ActivityReport delivers an activity that the agent decided by itself
// while the server could not be reached. The server logs it once per ID
// and replies with an Ack.
type ActivityReport struct {
	// Request is the action as the extension reported it.
	Request ActionRequest `json:"request"`
	// RequestID is the envelope id of the original ActionRequest; the
	// server uses it to log each activity once.
	RequestID string `json:"request_id"`
	// Decision is the outcome the agent enforced.
	Decision Decision `json:"decision"`
	// Reason is why, for example that the server was unreachable.
	Reason string `json:"reason"`
	// DecidedAt is when the agent enforced the decision.
	DecidedAt time.Time `json:"decided_at"`
}

// Ack confirms that a message was stored.
type Ack struct {
	// RefID is the envelope id of the confirmed message.
	RefID string `json:"ref_id"`
}

// Ping keeps a link alive; the peer replies with Pong.
type Ping struct{}

// Pong is the reply to a Ping.
type Pong struct{}

// Error reports a message the receiver could not accept, or a failure in
// handling it.
type Error struct {
	// Code is a stable, machine-readable code such as "unknown_type".
	Code string `json:"code"`
	// Message is a sentence for logs and people.
	Message string `json:"message"`
	// RefID is the id of the message that caused the error, when known.
	RefID string `json:"ref_id,omitempty"`
}

func (*Hello) MessageType() Type          { return TypeHello }
func (*Ping) MessageType() Type           { return TypePing }
func (*Pong) MessageType() Type           { return TypePong }
func (*ActionRequest) MessageType() Type  { return TypeActionRequest }
func (*Verdict) MessageType() Type        { return TypeVerdict }
func (*PostureReport) MessageType() Type  { return TypePostureReport }
func (*PolicyUpdate) MessageType() Type   { return TypePolicyUpdate }
func (*ActivityReport) MessageType() Type { return TypeActivityLog }
func (*Ack) MessageType() Type            { return TypeAck }
func (*UploadChunk) MessageType() Type    { return TypeUploadChunk }
func (*ActivityUpdate) MessageType() Type { return TypeActivityUpdate }
func (*AccessChanged) MessageType() Type  { return TypeAccessChanged }
func (*Error) MessageType() Type          { return TypeError }

// newBody returns an empty body for t, or nil for an unknown type.
func newBody(t Type) Body {
	switch t {
	case TypeHello:
		return &Hello{}
	case TypePing:
		return &Ping{}
	case TypePong:
		return &Pong{}
	case TypeActionRequest:
		return &ActionRequest{}
	case TypeVerdict:
		return &Verdict{}
	case TypePostureReport:
		return &PostureReport{}
	case TypePolicyUpdate:
		return &PolicyUpdate{}
	case TypeActivityLog:
		return &ActivityReport{}
	case TypeAck:
		return &Ack{}
	case TypeError:
		return &Error{}
	case TypeUploadChunk:
		return &UploadChunk{}
	case TypeActivityUpdate:
		return &ActivityUpdate{}
	case TypeAccessChanged:
		return &AccessChanged{}
	}
	return nil
}
