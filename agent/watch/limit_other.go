//go:build !linux && !darwin && !windows

package watch

const watchLimitHint = "no watch limit is known on this system"

func isWatchLimit(error) bool { return false }
