package watch

// DownloadDirs returns the download folder of each local user of this
// system, read from /etc/passwd and each user's XDG user-dirs file.
func DownloadDirs() ([]string, error) {
	return UserDirs{}.DownloadDirs()
}
