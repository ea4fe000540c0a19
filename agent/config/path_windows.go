package config

import (
	"os"
	"path/filepath"
)

// DefaultPath returns the config file that the service commands use when
// --config is not given: agent.yaml in the Parapet folder of %ProgramData%,
// or of C:\ProgramData when the variable is unset.
func DefaultPath() string {
	base := os.Getenv("ProgramData")
	if base == "" {
		base = `C:\ProgramData`
	}
	return filepath.Join(base, "Parapet", "agent.yaml")
}
