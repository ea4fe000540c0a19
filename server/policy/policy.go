// Package policy loads policy files and decides actions against them. The
// server decides every action with it, and the agent imports it for its
// offline decisions, so it depends only on the standard library, protocol
// and the YAML decoder.
package policy

import (
	"net/netip"
	"time"

	"parapet/protocol"
)

// Set is a validated policy set from one file or a folder of files. A Set
// is read-only after it is loaded, so any number of goroutines may call its
// methods.
type Set struct {
	Apps            []App
	IPRanges        []IPRange
	Groups          []Group
	Labels          []Label
	PostureProfiles []PostureProfile
	// Policies are in evaluation order: higher priority first, and in file
	// order (files sorted by name) within one priority.
	Policies []Policy
	// Digest is the hex SHA-256 of the files' names and bytes, so a reload
	// can detect whether anything changed.
	Digest string
	// Files are the files the set was loaded from, sorted.
	Files []string

	doc   *fileDoc
	index decisionIndex
}

// FailMode says what the agent does in an app when it cannot reach the
// server.
type FailMode string

// Fail modes.
const (
	FailClosed FailMode = "closed"
	FailOpen   FailMode = "open"
)

// TagSensitive is the app tag whose apps fail closed unless fail_mode says
// otherwise.
const TagSensitive = "sensitive"

// App is a protected web app.
type App struct {
	ID   string
	Name string
	// Hosts are protocol.MatchHost patterns.
	Hosts []string
	Tags  []string
	// FailMode defaults to closed for apps tagged sensitive and to open
	// for the others.
	FailMode FailMode
}

// IPRange is a named set of network prefixes, such as the office network.
type IPRange struct {
	ID       string
	Name     string
	Prefixes []netip.Prefix
	Tags     []string
}

// Group is a set of users, by email address or by email domain.
type Group struct {
	ID      string
	Name    string
	Members []string
	Domains []string

	members map[string]bool
}

// LabelProtection is the protection a sensitivity label applies.
type LabelProtection string

// Label protections.
const (
	ProtectionNone        LabelProtection = "none"
	ProtectionEncryptOrg  LabelProtection = "encrypt_org"
	ProtectionEncryptUser LabelProtection = "encrypt_user"
)

// Label is a Microsoft Purview Information Protection sensitivity label.
type Label struct {
	// ID is the label's GUID, in lower case.
	ID         string
	Name       string
	Tenant     string
	Protection LabelProtection
}

// PostureProfile is a named set of device requirements that the device
// condition `compliant` refers to. Posture facts that the device did not
// report never satisfy a requirement.
type PostureProfile struct {
	ID   string
	Name string
	// OS lists the accepted values of the os fact; empty accepts any.
	OS []string
	// MinOSVersion and MinAgentVersion are dotted versions compared with
	// the os_version and agent_version facts; empty means no minimum.
	MinOSVersion    string
	MinAgentVersion string
	// DiskEncryption, Firewall and ScreenLock, when true, require the
	// fact of the same name to be "true".
	DiskEncryption bool
	Firewall       bool
	ScreenLock     bool
}

// State is whether a policy is enforced.
type State string

// Policy states. A test policy is evaluated and reported, but never
// changes the enforced decision.
const (
	StateEnabled  State = "enabled"
	StateDisabled State = "disabled"
	StateTest     State = "test"
)

// Severity ranks how serious a policy's matches are, for the activity log.
type Severity string

// Severities, from least to most serious.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Encryption is what a protect decision does to the file.
type Encryption string

// Encryptions of a protect decision.
const (
	EncryptNone Encryption = "none"
	EncryptOrg  Encryption = "org"
	EncryptUser Encryption = "user"
)

// Params are the parameters of a policy's decision. Which fields are set
// depends on the decision.
type Params struct {
	// Message is the text shown to the user for warn and block.
	Message string `json:"message,omitempty"`
	// Fix tells the user how to make a blocked action possible.
	Fix string `json:"fix,omitempty"`
	// Link is a URL with more help for a blocked action.
	Link string `json:"link,omitempty"`
	// Label is the sensitivity label id that protect applies.
	Label string `json:"label,omitempty"`
	// Encrypt is the encryption that protect applies.
	Encrypt Encryption `json:"encrypt,omitempty"`
	// MaxAge is, for step_up, the oldest the user's last authentication
	// may be.
	MaxAge time.Duration `json:"max_age,omitempty"`
}

// Policy is one rule of the set. It matches an action when every
// shorthand condition (Apps, Activities, Files, Managed) and its when
// condition match. A policy without conditions matches every action in a
// protected app.
type Policy struct {
	ID       string
	Name     string
	Priority int
	State    State
	Severity Severity
	// Apps, Activities, Files and Managed are the shorthand conditions.
	Apps       []string
	Activities []protocol.Activity
	Files      []string
	Managed    *bool
	Decision   protocol.Decision
	Params     Params

	// File is the file that defines the policy.
	File string

	program  program
	testCode string
}

// Rank orders decisions by how restrictive they are: allow is 0 and block
// the highest. An unknown decision ranks below allow.
func Rank(d protocol.Decision) int {
	switch d {
	case protocol.DecisionAllow:
		return 0
	case protocol.DecisionMonitor:
		return 1
	case protocol.DecisionProtect:
		return 2
	case protocol.DecisionWarn:
		return 3
	case protocol.DecisionStepUp:
		return 4
	case protocol.DecisionBlock:
		return 5
	}
	return -1
}

// AppForHost returns the first app, in file order, with a host pattern that
// matches host, or nil when host is in no protected app.
func (s *Set) AppForHost(host string) *App {
	if i := s.appIndex(host); i >= 0 {
		return &s.Apps[i]
	}
	return nil
}

func (s *Set) appIndex(host string) int {
	for i := range s.Apps {
		for _, pattern := range s.Apps[i].Hosts {
			if protocol.MatchHost(pattern, host) {
				return i
			}
		}
	}
	return -1
}

// ProtocolApps returns the apps in the form a policy.update message carries.
// An app that fails closed is sent as sensitive.
func (s *Set) ProtocolApps() []protocol.App {
	apps := make([]protocol.App, len(s.Apps))
	for i, app := range s.Apps {
		apps[i] = protocol.App{ID: app.ID, Hosts: app.Hosts, Sensitive: app.FailMode == FailClosed}
	}
	return apps
}
