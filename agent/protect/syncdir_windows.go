package protect

// syncDir does nothing on Windows, where folders cannot be opened for
// syncing and NTFS journals renames.
func syncDir(string) error { return nil }
