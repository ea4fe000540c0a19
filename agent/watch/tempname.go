package watch

import "strings"

// temporarySuffixes are the endings, compared without case, of names that
// browsers and tools write while a file is incomplete:
//   - .crdownload: Chromium browsers (Chrome, Edge, Brave), including
//     Windows' "Unconfirmed 123456.crdownload".
//   - .part: Firefox ("NAME.<token>.part" and the older "NAME.part"), also
//     used by wget2, KDE and many download managers.
//   - .partial: Internet Explorer and Edge Legacy.
//   - .download: Safari's in-progress bundle.
//   - .tmp, .temp: generic temporary files, including Office's "~WRL0001.tmp".
var temporarySuffixes = []string{".crdownload", ".part", ".partial", ".download", ".tmp", ".temp"}

// IsTemporaryName reports whether the base name of a file is one that
// browsers and editors use while a file is still being written, so the file
// must not be reported under that name. A name is temporary when:
//   - it starts with "." (hidden). GLib's ".goutputstream-XXXXXX" (gedit,
//     GNOME), atomic writers' ".NAME.atomic", Chromium's
//     ".com.google.Chrome.XXXXXX", vim's ".NAME.swp" and emacs' ".#NAME" are
//     all hidden.
//   - it ends with "~", the backup name of vim, emacs and gedit.
//   - it starts and ends with "#", an emacs auto-save file.
//   - it starts with "~$", an Office owner (lock) file.
//   - it ends with one of temporarySuffixes, compared without case.
//
// A download saved under a hidden name is therefore never reported.
func IsTemporaryName(name string) bool {
	switch {
	case name == "":
		return false
	case strings.HasPrefix(name, "."):
		return true
	case strings.HasSuffix(name, "~"):
		return true
	case len(name) > 1 && strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		return true
	case strings.HasPrefix(name, "~$"):
		return true
	}
	return hasTemporarySuffix(name)
}

func hasTemporarySuffix(name string) bool {
	for _, suffix := range temporarySuffixes {
		if len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
			return true
		}
	}
	return false
}
