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
// server, and each side answers with its own Hello.
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
}

// ActionRequest asks for a verdict on one activity. The extension sends it
// to the agent, and the agent forwards it to the server unchanged; the
// server takes the device and user from the authenticated link.
type ActionRequest struct {
	// Activity is what the user is doing.
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
}

// Verdict answers an ActionRequest.
type Verdict struct {
	// RequestID is the envelope id of the ActionRequest.
	RequestID string `json:"request_id"`
	// Decision is what the extension must do.
	Decision Decision `json:"decision"`
	// Message is the admin's text for the user; empty for allow.
	Message string `json:"message,omitempty"`
	// Reason says in one sentence why this decision was made.
	Reason string `json:"reason"`
	// PolicyIDs lists the ids of the policies that matched.
	PolicyIDs []string `json:"policy_ids"`
	// EventID is the activity log id of this decision, for support.
	EventID string `json:"event_id"`
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
}

// App is what the extension needs to know about one protected app.
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
// and answers with an Ack.
type ActivityReport struct {
	// Request is the action as the extension reported it.
	Request ActionRequest `json:"request"`
	// RequestID is the envelope id of the original ActionRequest; the
	// server uses it to log each activity once.
	RequestID string `json:"request_id"`
	// Decision is what the agent enforced.
	Decision Decision `json:"decision"`
	// Reason says why, for example that the server was unreachable.
	Reason string `json:"reason"`
	// DecidedAt is when the agent enforced the decision.
	DecidedAt time.Time `json:"decided_at"`
}

// Ack confirms that a message was stored.
type Ack struct {
	// RefID is the envelope id of the confirmed message.
	RefID string `json:"ref_id"`
}

// Ping keeps a link alive; the peer answers with Pong.
type Ping struct{}

// Pong answers a Ping.
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
	}
	return nil
}
