package watch

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strings"
)

// parseXDGDownloadDir returns XDG_DOWNLOAD_DIR from user-dirs.dirs content,
// with $HOME or ${HOME} expanded to home, or "" when it is not set or not an
// absolute path. The file is shell assignments, as xdg-user-dirs-update
// writes them: XDG_DOWNLOAD_DIR="$HOME/Downloads". Inside double quotes a
// backslash escapes the next character. The last assignment wins, as it
// would when a shell sources the file.
func parseXDGDownloadDir(data []byte, home string) string {
	dir := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "export ")
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(key) != "XDG_DOWNLOAD_DIR" {
			continue
		}
		if path := expandHome(shellWord(value), home); filepath.IsAbs(path) {
			dir = filepath.Clean(path)
		}
	}
	return dir
}

// shellWord returns the first word of a shell assignment value, removing
// double or single quotes and, inside double quotes, backslash escapes.
func shellWord(value string) string {
	value = strings.TrimSpace(value)
	if strings.HasPrefix(value, "'") {
		word, _, _ := strings.Cut(value[1:], "'")
		return word
	}
	if !strings.HasPrefix(value, `"`) {
		word, _, _ := strings.Cut(value, " ")
		return word
	}
	var b strings.Builder
	for i := 1; i < len(value); i++ {
		switch c := value[i]; {
		case c == '"':
			return b.String()
		case c == '\\' && i+1 < len(value):
			i++
			b.WriteByte(value[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// expandHome replaces a leading $HOME or ${HOME} with home.
func expandHome(path, home string) string {
	for _, prefix := range []string{"${HOME}", "$HOME"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok && (rest == "" || rest[0] == '/') {
			return home + rest
		}
	}
	return path
}
