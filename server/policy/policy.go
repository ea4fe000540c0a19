// Package policy loads a policy file and decides actions against it. The
// server decides every action with it, and the agent imports it for its
// offline decisions, so it depends only on the standard library, protocol
// and the YAML decoder.
package policy

import (
	"parapet/protocol"
)

// App is a protected web app.
type App struct {
	// ID is the app's id, unique in the set.
	ID string
	// Name is the label shown to admins.
	Name string
	// Hosts are protocol.MatchHost patterns.
	Hosts []string
	// Sensitive apps fail closed when the agent cannot reach the server.
	Sensitive bool
}

// Policy is one rule of the set. Every condition that a field sets must
// match for the policy to match, and an empty field matches anything.
type Policy struct {
	ID   string
	Name string
	// Apps are app ids; empty matches any protected app.
	Apps []string
	// Activities are the activities the policy covers; empty matches any.
	Activities []protocol.Activity
	// Files are case-insensitive glob patterns (path.Match syntax) on the
	// file's base name. Empty matches an action with or without a file.
	Files []string
	// Managed, when set, matches only devices whose managed state equals it.
	Managed *bool
	// Decision is the outcome for a matching action.
	Decision protocol.Decision
	// Message is the admin's text for the user.
	Message string

	conditions []condition
}

// Set is a validated policy file. A Set is read-only after Parse returns,
// so any number of goroutines may call its methods.
type Set struct {
	Apps     []App
	Policies []Policy
	// Digest is the hex SHA-256 of the file's bytes, so a reload can detect
	// whether the file changed.
	Digest string
}

// Device holds the facts about the requesting device that policies match on.
type Device struct {
	// Managed is true for devices enrolled with the organization's token.
	Managed bool
	// User is the identity the device was enrolled for.
	User string
}

// Result is the outcome of Decide.
type Result struct {
	Decision protocol.Decision
	// Message is the deciding policy's text for the user, if any.
	Message string
	// Reason is one sentence naming the deciding policy and what matched.
	Reason string
	// PolicyIDs lists every matching policy, in file order.
	PolicyIDs []string
	// App is the id of the protected app the action is in, or empty.
	App string
}

// AppForHost returns the first app, in file order, with a host pattern that
// matches host, or nil when host is in no protected app.
func (s *Set) AppForHost(host string) *App {
	for i := range s.Apps {
		for _, pattern := range s.Apps[i].Hosts {
			if protocol.MatchHost(pattern, host) {
				return &s.Apps[i]
			}
		}
	}
	return nil
}

// ProtocolApps returns the apps in the form a policy.update message carries.
func (s *Set) ProtocolApps() []protocol.App {
	apps := make([]protocol.App, len(s.Apps))
	for i, app := range s.Apps {
		apps[i] = protocol.App{ID: app.ID, Hosts: app.Hosts, Sensitive: app.Sensitive}
	}
	return apps
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
