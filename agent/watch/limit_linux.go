package watch

import (
	"errors"

	"golang.org/x/sys/unix"
)

const watchLimitHint = "raise fs.inotify.max_user_watches or fs.inotify.max_user_instances"

// isWatchLimit reports whether err means the inotify limits are exhausted:
// ENOSPC from inotify_add_watch (max_user_watches) or EMFILE from
// inotify_init1 (max_user_instances or the open-file limit).
func isWatchLimit(err error) bool {
	return errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EMFILE)
}
