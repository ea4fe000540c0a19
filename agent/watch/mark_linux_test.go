package watch

import (
	"errors"
	"testing"

	"github.com/pkg/xattr"
	"golang.org/x/sys/unix"
)

const originSupported = true

// markOrigin records url and referrer on path as Chromium does on Linux.
func markOrigin(t *testing.T, path, url, referrer string) {
	t.Helper()
	setXattr(t, path, xattrOriginURL, url)
	setXattr(t, path, xattrReferrerURL, referrer)
}

func setXattr(t *testing.T, path, name, value string) {
	t.Helper()
	err := xattr.Set(path, name, []byte(value))
	if errors.Is(err, unix.ENOTSUP) {
		t.Skipf("file system of %s has no user extended attributes", path)
	}
	if err != nil {
		t.Fatal(err)
	}
}
