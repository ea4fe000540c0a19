package watch

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Default user-id range of login.defs(5), used when login.defs does not set
// UID_MIN or UID_MAX.
const (
	defaultUIDMin = 1000
	defaultUIDMax = 60000
)

// UserDirs finds the download folders of the local users listed in a passwd
// file.
type UserDirs struct {
	// Root is the file-system root under which passwd home folders,
	// login.defs and XDG paths are read and returned. Empty means "/".
	Root string
	// Passwd is the passwd(5) file. Empty means Root/etc/passwd.
	Passwd string
}

// DownloadDirs returns one download folder per local user, without
// duplicates. A user counts when their uid is 0 or within UID_MIN..UID_MAX
// of Root/etc/login.defs (default 1000..60000) and their home folder exists.
// The folder is XDG_DOWNLOAD_DIR from ~/.config/user-dirs.dirs, or
// ~/Downloads when that is not set. The folder itself may not exist yet.
func (u UserDirs) DownloadDirs() ([]string, error) {
	root := u.Root
	if root == "" {
		root = "/"
	}
	passwd := u.Passwd
	if passwd == "" {
		passwd = filepath.Join(root, "etc", "passwd")
	}
	data, err := os.ReadFile(passwd)
	if err != nil {
		return nil, fmt.Errorf("reading user list: %w", err)
	}
	uidMin, uidMax := readUIDRange(filepath.Join(root, "etc", "login.defs"))
	var dirs []string
	seen := make(map[string]bool)
	for _, home := range parsePasswdHomes(data, uidMin, uidMax) {
		dir := userDownloadDir(root, home)
		if dir == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		dirs = append(dirs, dir)
	}
	return dirs, nil
}

// parsePasswdHomes returns the home folders of root and of regular users.
// Lines that are blank, comments or NIS entries ("+" or "-") are skipped,
// and so is uid 65534, the overflow user "nobody".
func parsePasswdHomes(data []byte, uidMin, uidMax int) []string {
	var homes []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
			continue
		}
		fields := strings.Split(line, ":")
		if len(fields) != 7 {
			continue
		}
		uid, err := strconv.Atoi(fields[2])
		if err != nil || uid == 65534 || (uid != 0 && (uid < uidMin || uid > uidMax)) {
			continue
		}
		homes = append(homes, fields[5])
	}
	return homes
}

// readUIDRange reads UID_MIN and UID_MAX from a login.defs file, keeping the
// defaults for keys that are missing or invalid and when the file is missing.
func readUIDRange(path string) (uidMin, uidMax int) {
	uidMin, uidMax = defaultUIDMin, defaultUIDMax
	data, err := os.ReadFile(path)
	if err != nil {
		return uidMin, uidMax
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil || n < 0 {
			continue
		}
		switch fields[0] {
		case "UID_MIN":
			uidMin = n
		case "UID_MAX":
			uidMax = n
		}
	}
	return uidMin, uidMax
}

// userDownloadDir returns the download folder of a user whose passwd home is
// home, resolved under root, or "" when the home is not a real folder.
func userDownloadDir(root, home string) string {
	if !filepath.IsAbs(home) || filepath.Clean(home) == "/" {
		return ""
	}
	local := filepath.Join(root, home)
	if info, err := os.Stat(local); err != nil || !info.IsDir() {
		return ""
	}
	config, err := os.ReadFile(filepath.Join(local, ".config", "user-dirs.dirs"))
	if err == nil {
		if dir := parseXDGDownloadDir(config, home); dir != "" {
			return filepath.Join(root, dir)
		}
	}
	return filepath.Join(local, "Downloads")
}
