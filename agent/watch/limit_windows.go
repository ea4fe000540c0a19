package watch

import (
	"errors"

	"golang.org/x/sys/windows"
)

const watchLimitHint = "close other programs holding directory handles or raise the handle quota"

// isWatchLimit reports whether err means Windows ran out of handles or of
// the non-paged pool that ReadDirectoryChangesW buffers use.
func isWatchLimit(err error) bool {
	return errors.Is(err, windows.ERROR_TOO_MANY_OPEN_FILES) ||
		errors.Is(err, windows.ERROR_NOT_ENOUGH_QUOTA) ||
		errors.Is(err, windows.ERROR_NO_SYSTEM_RESOURCES)
}
