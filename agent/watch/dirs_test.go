package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestParseXDGDownloadDir(t *testing.T) {
	const home = "/home/alice"
	tests := []struct {
		name string
		data string
		want string
	}{
		{"home_form", `XDG_DOWNLOAD_DIR="$HOME/Downloads"`, "/home/alice/Downloads"},
		{"braced_home", `XDG_DOWNLOAD_DIR="${HOME}/Téléchargements"`, "/home/alice/Téléchargements"},
		{"absolute", `XDG_DOWNLOAD_DIR="/data/alice/dl"`, "/data/alice/dl"},
		{"escaped_quote", `XDG_DOWNLOAD_DIR="$HOME/My \"Stuff\""`, `/home/alice/My "Stuff"`},
		{"spaces", `XDG_DOWNLOAD_DIR="$HOME/My Downloads"`, "/home/alice/My Downloads"},
		{"single_quotes", `XDG_DOWNLOAD_DIR='/srv/dl'`, "/srv/dl"},
		{"unquoted", `XDG_DOWNLOAD_DIR=$HOME/dl`, "/home/alice/dl"},
		{"home_itself", `XDG_DOWNLOAD_DIR="$HOME/"`, "/home/alice"},
		{"last_wins", "XDG_DOWNLOAD_DIR=\"$HOME/a\"\nXDG_DOWNLOAD_DIR=\"$HOME/b\"", "/home/alice/b"},
		{"relative", `XDG_DOWNLOAD_DIR="Downloads"`, ""},
		{"other_var", `XDG_DOWNLOADS="$HOME/x"`, ""},
		{"home_prefix_word", `XDG_DOWNLOAD_DIR="$HOMEDIR/x"`, ""},
		{"comments", "# XDG_DOWNLOAD_DIR=\"$HOME/c\"\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseXDGDownloadDir([]byte(tt.data), home); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

const testPasswd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# a comment line
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001:Bob:/home/bob:/bin/zsh
carol:x:1002:1002:Carol:/home/carol:/bin/bash
ghost:x:1003:1003:No home:/home/ghost:/bin/bash
svc:x:1004:1004:Root home:/:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
+nisuser::::::
broken:x:notanumber:0::/home/broken:/bin/sh
`

func mkdirs(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUserDownloadDirs(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "etc", "root", "usr/sbin", "home/alice/.config", "home/bob", "home/carol/.config", "home/broken")
	writeFile(t, filepath.Join(root, "etc", "passwd"), testPasswd)
	writeFile(t, filepath.Join(root, "home/alice/.config/user-dirs.dirs"), "XDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n")
	writeFile(t, filepath.Join(root, "home/carol/.config/user-dirs.dirs"), "XDG_DESKTOP_DIR=\"$HOME/Desktop\"\n")
	got, err := UserDirs{Root: root}.DownloadDirs()
	if err != nil {
		t.Fatalf("DownloadDirs: %v", err)
	}
	want := []string{
		filepath.Join(root, "root/Downloads"),
		filepath.Join(root, "home/alice/Téléchargements"),
		filepath.Join(root, "home/bob/Downloads"),
		filepath.Join(root, "home/carol/Downloads"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUserDownloadDirsLoginDefs(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "etc", "home/alice", "home/bob")
	passwd := filepath.Join(t.TempDir(), "passwd")
	writeFile(t, passwd, testPasswd)
	writeFile(t, filepath.Join(root, "etc", "login.defs"), "# range\nUID_MIN\t\t 1001\nUID_MAX 60000\n")
	got, err := UserDirs{Root: root, Passwd: passwd}.DownloadDirs()
	if err != nil {
		t.Fatalf("DownloadDirs: %v", err)
	}
	want := []string{filepath.Join(root, "home/bob/Downloads")}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUserDownloadDirsShared(t *testing.T) {
	root := t.TempDir()
	mkdirs(t, root, "etc", "home/shared")
	writeFile(t, filepath.Join(root, "etc", "passwd"),
		"a:x:1000:1000::/home/shared:/bin/sh\nb:x:1001:1001::/home/shared:/bin/sh\n")
	got, err := UserDirs{Root: root}.DownloadDirs()
	if err != nil {
		t.Fatalf("DownloadDirs: %v", err)
	}
	want := []string{filepath.Join(root, "home/shared/Downloads")}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestUserDownloadDirsNoPasswd(t *testing.T) {
	got, err := UserDirs{Root: t.TempDir()}.DownloadDirs()
	if err == nil {
		t.Errorf("got %q, want an error", got)
	}
}
