package daemon

import (
	"slices"

	"parapet/agent/watch"
)

// downloadDirs returns the folders to watch: every local user's download
// folder, unless user_download_dirs is false, and the download_dirs of
// the config, without duplicates.
func (d *Daemon) downloadDirs() []string {
	var dirs []string
	if u := d.cfg.Files.UserDownloadDirs; u == nil || *u {
		found, err := watch.DownloadDirs()
		if err != nil {
			d.log.Warn("users' download folders not listed", "component", "protect", "error", err,
				"hint", "set download_dirs")
		}
		dirs = append(dirs, found...)
	}
	for _, dir := range d.cfg.Files.DownloadDirs {
		if !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}
