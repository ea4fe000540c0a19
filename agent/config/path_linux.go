package config

// DefaultPath returns the config file that the service commands use when
// --config is not given.
func DefaultPath() string { return "/etc/parapet/agent.yaml" }
