// Package version holds the agent's build version.
package version

// Version is the agent's build version. Release builds set it with
// -ldflags "-X parapet/agent/version.Version=1.2.3".
var Version = "0.1.0-dev"
