package protocol

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Field limits, in bytes. They bound what a hostile page can make the agent
// and server store.
const (
	MaxIDLength      = 64
	maxShortText     = 256
	maxURLLength     = 4096
	maxMessageText   = 2048
	maxPolicyIDs     = 64
	maxApps          = 1024
	maxHostsPerApp   = 64
	maxFileNameBytes = 1024
)

// FieldError names the invalid field of a body.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// ValidID reports whether id is a usable message or record id.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLength {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

func checkText(field, s string, limit int, required bool) error {
	switch {
	case required && s == "":
		return fieldErr(field, "missing")
	case len(s) > limit:
		return fieldErr(field, "longer than %d bytes", limit)
	case !utf8.ValidString(s):
		return fieldErr(field, "not valid UTF-8")
	case strings.ContainsAny(s, "\x00"):
		return fieldErr(field, "contains a NUL byte")
	}
	return nil
}

func checkURL(field, s string, required bool) error {
	if err := checkText(field, s, maxURLLength, required); err != nil || s == "" {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fieldErr(field, "not an absolute URL")
	}
	return nil
}

func checkReqID(field, id string) error {
	if !ValidID(id) {
		return fieldErr(field, "missing or not a valid id")
	}
	return nil
}

// ValidActivity reports whether a is one of the known activities.
func ValidActivity(a Activity) bool {
	switch a {
	case ActivityDownload, ActivityUpload, ActivityCopy, ActivityCut, ActivityPaste,
		ActivityPrint, ActivityNavigate, ActivitySignIn:
		return true
	}
	return false
}

// ValidDecision reports whether d is one of the known decisions.
func ValidDecision(d Decision) bool {
	switch d {
	case DecisionAllow, DecisionMonitor, DecisionProtect, DecisionWarn, DecisionStepUp, DecisionBlock:
		return true
	}
	return false
}

func (h *Hello) Validate() error {
	switch h.Peer {
	case "extension", "agent", "server":
	default:
		return fieldErr("body.peer", "must be extension, agent or server, not %q", h.Peer)
	}
	if err := checkText("body.software", h.Software, maxShortText, true); err != nil {
		return err
	}
	if h.DeviceID != "" && !ValidID(h.DeviceID) {
		return fieldErr("body.device_id", "not a valid id")
	}
	return checkText("body.user", h.User, maxShortText, false)
}

func (*Ping) Validate() error { return nil }
func (*Pong) Validate() error { return nil }

func (f *FileInfo) validate(prefix string) error {
	if err := checkText(prefix+".name", f.Name, maxFileNameBytes, true); err != nil {
		return err
	}
	if strings.ContainsAny(f.Name, "/\\") {
		return fieldErr(prefix+".name", "must be a base name without folders")
	}
	if f.Size < -1 {
		return fieldErr(prefix+".size", "must be -1 (unknown) or a byte count")
	}
	if err := checkText(prefix+".mime_type", f.MIMEType, maxShortText, false); err != nil {
		return err
	}
	if f.SHA256 != "" && !isHex(f.SHA256, 64) {
		return fieldErr(prefix+".sha256", "must be 64 lowercase hex digits")
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (a *ActionRequest) Validate() error { return a.validate("body") }

func (a *ActionRequest) validate(prefix string) error {
	if !ValidActivity(a.Activity) {
		return fieldErr(prefix+".activity", "unknown activity %q", a.Activity)
	}
	if err := checkText(prefix+".app_host", a.AppHost, maxShortText, true); err != nil {
		return err
	}
	if strings.ContainsAny(a.AppHost, "/ @?#") {
		return fieldErr(prefix+".app_host", "must be a host with an optional port")
	}
	if err := checkURL(prefix+".page_url", a.PageURL, true); err != nil {
		return err
	}
	if err := checkURL(prefix+".target_url", a.TargetURL, false); err != nil {
		return err
	}
	if a.File != nil {
		if err := a.File.validate(prefix + ".file"); err != nil {
			return err
		}
	}
	if a.TabID < -1 {
		return fieldErr(prefix+".tab_id", "must be -1 (no tab) or a tab id")
	}
	return nil
}

func (v *Verdict) Validate() error {
	if err := checkReqID("body.request_id", v.RequestID); err != nil {
		return err
	}
	if !ValidDecision(v.Decision) {
		return fieldErr("body.decision", "unknown decision %q", v.Decision)
	}
	if err := checkText("body.message", v.Message, maxMessageText, false); err != nil {
		return err
	}
	if err := checkText("body.reason", v.Reason, maxMessageText, true); err != nil {
		return err
	}
	if len(v.PolicyIDs) > maxPolicyIDs {
		return fieldErr("body.policy_ids", "more than %d ids", maxPolicyIDs)
	}
	for _, id := range v.PolicyIDs {
		if !ValidID(id) {
			return fieldErr("body.policy_ids", "invalid id %q", id)
		}
	}
	if v.EventID != "" && !ValidID(v.EventID) {
		return fieldErr("body.event_id", "not a valid id")
	}
	return nil
}

func (p *PostureReport) Validate() error {
	fields := []struct {
		name, value string
		required    bool
	}{
		{"body.os", p.OS, true},
		{"body.platform", p.Platform, false},
		{"body.platform_version", p.PlatformVersion, false},
		{"body.kernel_version", p.KernelVersion, false},
		{"body.hostname", p.Hostname, false},
		{"body.host_id", p.HostID, false},
		{"body.agent_version", p.AgentVersion, true},
	}
	for _, f := range fields {
		if err := checkText(f.name, f.value, maxShortText, f.required); err != nil {
			return err
		}
	}
	return nil
}

func (u *PolicyUpdate) Validate() error {
	if u.Revision < 0 {
		return fieldErr("body.revision", "must not be negative")
	}
	if len(u.Apps) > maxApps {
		return fieldErr("body.apps", "more than %d apps", maxApps)
	}
	for i, app := range u.Apps {
		prefix := fmt.Sprintf("body.apps[%d]", i)
		if !ValidID(app.ID) {
			return fieldErr(prefix+".id", "missing or not a valid id")
		}
		if len(app.Hosts) == 0 || len(app.Hosts) > maxHostsPerApp {
			return fieldErr(prefix+".hosts", "must list 1 to %d host patterns", maxHostsPerApp)
		}
		for _, h := range app.Hosts {
			if err := checkText(prefix+".hosts", h, maxShortText, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *ActivityReport) Validate() error {
	if err := r.Request.validate("body.request"); err != nil {
		return err
	}
	if err := checkReqID("body.request_id", r.RequestID); err != nil {
		return err
	}
	if !ValidDecision(r.Decision) {
		return fieldErr("body.decision", "unknown decision %q", r.Decision)
	}
	if err := checkText("body.reason", r.Reason, maxMessageText, true); err != nil {
		return err
	}
	if r.DecidedAt.IsZero() {
		return fieldErr("body.decided_at", "missing")
	}
	return nil
}

func (a *Ack) Validate() error { return checkReqID("body.ref_id", a.RefID) }

func (e *Error) Validate() error {
	if err := checkText("body.code", e.Code, maxShortText, true); err != nil {
		return err
	}
	if err := checkText("body.message", e.Message, maxMessageText, true); err != nil {
		return err
	}
	if e.RefID != "" && !ValidID(e.RefID) {
		return fieldErr("body.ref_id", "not a valid id")
	}
	return nil
}
