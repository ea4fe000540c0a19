package watch

import (
	"errors"

	"golang.org/x/sys/unix"
)

const watchLimitHint = "raise the open-file limit (ulimit -n)"

// isWatchLimit reports whether err means kqueue ran out of file descriptors,
// because kqueue holds one open descriptor per watched file.
func isWatchLimit(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE)
}
