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
	if f.Label != nil {
		if err := f.Label.validate(prefix + ".label"); err != nil {
			return err
		}
	}
	if len(f.Detectors) > maxPolicyIDs {
		return fieldErr(prefix+".detectors", "more than %d ids", maxPolicyIDs)
	}
	for _, id := range f.Detectors {
		if !ValidID(id) {
			return fieldErr(prefix+".detectors", "invalid id %q", id)
		}
	}
	switch f.Inspection {
	case "", InspectionComplete, InspectionOversized, InspectionFailed:
	default:
		return fieldErr(prefix+".inspection", "unknown inspection result %q", f.Inspection)
	}
	return nil
}

// ValidGUID reports whether s is a GUID in lowercase hex without braces,
// such as "2096f6a2-d2f7-48be-b329-b73aaa526e5d".
func ValidGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (l *FileLabel) validate(prefix string) error {
	if !ValidGUID(l.ID) {
		return fieldErr(prefix+".id", "must be a lowercase GUID without braces")
	}
	if !ValidGUID(l.TenantID) {
		return fieldErr(prefix+".tenant_id", "must be a lowercase GUID without braces")
	}
	return checkText(prefix+".name", l.Name, maxShortText, false)
}

func validEncrypt(e string) bool {
	return e == EncryptNone || e == EncryptOrg || e == EncryptUser
}

func (p *Protection) validate(prefix string) error {
	if err := p.Label.validate(prefix + ".label"); err != nil {
		return err
	}
	if !validEncrypt(p.Encrypt) {
		return fieldErr(prefix+".encrypt", "must be none, org or user, not %q", p.Encrypt)
	}
	if p.Encrypt == EncryptNone && len(p.Recipients) > 0 {
		return fieldErr(prefix+".recipients", "must be empty when encrypt is none")
	}
	if p.Encrypt != EncryptNone && len(p.Recipients) == 0 {
		return fieldErr(prefix+".recipients", "missing for encrypt %q", p.Encrypt)
	}
	if len(p.Recipients) > maxPolicyIDs {
		return fieldErr(prefix+".recipients", "more than %d recipients", maxPolicyIDs)
	}
	for _, r := range p.Recipients {
		if !strings.HasPrefix(r, "age1") || len(r) > maxShortText {
			return fieldErr(prefix+".recipients", "invalid age recipient %q", truncate(r, 16))
		}
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
	if err := checkText(prefix+".session_token", a.SessionToken, maxShortText, false); err != nil {
		return err
	}
	if err := checkText(prefix+".text", a.Text, MaxPasteText, false); err != nil {
		return err
	}
	if a.Text != "" && a.Activity != ActivityPaste {
		return fieldErr(prefix+".text", "only a paste carries text")
	}
	if a.Source != "" && a.Source != SourceWatcher {
		return fieldErr(prefix+".source", "must be empty or %q, not %q", SourceWatcher, a.Source)
	}
	return nil
}

func (c *AccessChanged) Validate() error {
	if err := checkText("body.user", c.User, maxShortText, true); err != nil {
		return err
	}
	switch c.State {
	case AccessBlocked, AccessRestored, AccessRevoked, AccessStepUp:
	default:
		return fieldErr("body.state", "unknown access state %q", c.State)
	}
	return checkText("body.message", c.Message, maxMessageText, true)
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
	if err := checkText("body.fix", v.Fix, maxMessageText, false); err != nil {
		return err
	}
	if err := checkURL("body.link", v.Link, false); err != nil {
		return err
	}
	if (v.Protect != nil) != (v.Decision == DecisionProtect) {
		return fieldErr("body.protect", "must be set exactly when the decision is protect")
	}
	if v.Protect != nil {
		return v.Protect.validate("body.protect")
	}
	return nil
}

func (c *UploadChunk) Validate() error {
	if err := checkReqID("body.request_id", c.RequestID); err != nil {
		return err
	}
	if c.Offset < 0 {
		return fieldErr("body.offset", "must not be negative")
	}
	if len(c.Data) > MaxChunkSize {
		return fieldErr("body.data", "longer than %d bytes", MaxChunkSize)
	}
	if len(c.Data) == 0 && !c.Last {
		return fieldErr("body.data", "empty in a chunk that is not the last")
	}
	return nil
}

func (u *ActivityUpdate) Validate() error {
	if err := checkReqID("body.event_id", u.EventID); err != nil {
		return err
	}
	if u.Label != nil {
		if err := u.Label.validate("body.label"); err != nil {
			return err
		}
	}
	if !validEncrypt(u.Encrypted) {
		return fieldErr("body.encrypted", "must be none, org or user, not %q", u.Encrypted)
	}
	if !isHex(u.SHA256, 64) {
		return fieldErr("body.sha256", "must be 64 lowercase hex digits")
	}
	if err := checkText("body.file_name", u.FileName, maxFileNameBytes, true); err != nil {
		return err
	}
	if strings.ContainsAny(u.FileName, "/\\") {
		return fieldErr("body.file_name", "must be a base name without folders")
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
	if p.AgentUptimeSeconds < 0 {
		return fieldErr("body.agent_uptime_seconds", "must not be negative")
	}
	switch p.CredentialStore {
	case "", "keyring", "file":
	default:
		return fieldErr("body.credential_store", "must be keyring or file, not %q", p.CredentialStore)
	}
	checks := []struct {
		name  string
		check *PostureCheck
	}{
		{"body.disk_encryption", p.DiskEncryption},
		{"body.firewall", p.Firewall},
		{"body.screen_lock", p.ScreenLock},
		{"body.auto_updates", p.AutoUpdates},
	}
	for _, c := range checks {
		if c.check == nil {
			continue
		}
		if err := c.check.validate(c.name); err != nil {
			return err
		}
	}
	return nil
}

func (c *PostureCheck) validate(prefix string) error {
	switch c.State {
	case PostureEnabled, PostureDisabled, PostureUnknown:
	default:
		return fieldErr(prefix+".state", "must be enabled, disabled or unknown, not %q", c.State)
	}
	if err := checkText(prefix+".detail", c.Detail, maxShortText, false); err != nil {
		return err
	}
	return checkText(prefix+".reason", c.Reason, maxMessageText, false)
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
