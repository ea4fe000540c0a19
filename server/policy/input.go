package policy

import (
	"net/netip"
	"strings"
	"time"

	"parapet/protocol"
)

// Input is one action with the facts about who does it, from where and on
// what device. The protocol's action.request carries the app host and the
// file, and the server adds the rest from the authenticated link.
type Input struct {
	// Request is the action; nil is treated as an action outside every
	// protected app.
	Request *protocol.ActionRequest
	User    User
	// Session is the user's sign-in session; the zero value means the
	// action carried no valid session token.
	Session SessionFacts
	Device  DeviceFacts
	// SourceIP is the address the request came from; the zero Addr
	// matches no network condition.
	SourceIP netip.Addr
	// File holds what content inspection found in Request.File.
	File FileFacts
	// Time is when the action happens; zero means now.
	Time time.Time
}

// User is the person an action is done for.
type User struct {
	ID    string
	Email string
	// Groups are group ids that a directory reports the user is in, on
	// top of the membership that groups define by email and domain.
	Groups []string
	// Guest is true for users outside the organization, such as B2B
	// guests.
	Guest bool
}

// DeviceFacts describes the device an action comes from.
type DeviceFacts struct {
	ID       string
	Enrolled bool
	Managed  bool
	Tags     []string
	// Posture holds the device's reported facts, such as "os",
	// "os_version", "agent_version", "disk_encryption", "firewall" and
	// "screen_lock". Boolean facts are "true" or "false".
	Posture map[string]string
}

// FileFacts are results of inspecting the file that protocol.FileInfo
// describes.
type FileFacts struct {
	// LabelID is the GUID of the file's sensitivity label, or empty.
	LabelID string
	// LabelTenant is the GUID of the tenant that defined the label. A
	// label matches a label object only when their tenants agree, since
	// another organization may use the same label GUID.
	LabelTenant string
	// Detectors are the ids of the content detectors that matched.
	Detectors []string
}

// facts is Input normalized once per decision for the conditions: names
// in lower case and the app and activity as indexes.
type facts struct {
	in       *Input
	app      int
	activity int
	email    string
	domain   string
	file     *protocol.FileInfo
	fileName string
	ext      string
	mime     string
	label    string
	tenant   string
	ip       netip.Addr
	now      time.Time
}

func newFacts(in *Input, app int) facts {
	f := facts{in: in, app: app, activity: activityIndex(in.Request.Activity), ip: in.SourceIP.Unmap(), now: in.Time}
	if f.now.IsZero() {
		f.now = time.Now()
	}
	f.email = strings.ToLower(in.User.Email)
	if at := strings.LastIndexByte(f.email, '@'); at >= 0 {
		f.domain = f.email[at+1:]
	}
	if file := in.Request.File; file != nil {
		f.file = file
		f.fileName = matchName(file.Name)
		if dot := strings.LastIndexByte(f.fileName, '.'); dot >= 0 {
			f.ext = f.fileName[dot+1:]
		}
		mime, _, _ := strings.Cut(file.MIMEType, ";")
		f.mime = strings.ToLower(strings.TrimSpace(mime))
	}
	f.label = strings.ToLower(in.File.LabelID)
	f.tenant = strings.ToLower(in.File.LabelTenant)
	return f
}

// activities lists the known activities; a policy's activity mask and the
// index use their positions.
var activities = [...]protocol.Activity{
	protocol.ActivityDownload, protocol.ActivityUpload, protocol.ActivityCopy, protocol.ActivityCut,
	protocol.ActivityPaste, protocol.ActivityPrint, protocol.ActivitySignIn, protocol.ActivityNavigate,
}

// activityIndex returns a's position in activities, or len(activities)
// for an unknown activity.
func activityIndex(a protocol.Activity) int {
	for i, known := range activities {
		if known == a {
			return i
		}
	}
	return len(activities)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
