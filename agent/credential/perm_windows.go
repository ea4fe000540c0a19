package credential

import "io/fs"

// checkPrivate accepts every file on Windows, where Go's file modes do not
// reflect ACLs.
// TODO: check the file's ACL, so another user's read access is rejected as
// it is on Unix.
func checkPrivate(fs.FileInfo) error { return nil }
