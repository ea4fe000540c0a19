// Package watch watches download folders and reports each downloaded file
// once, when the browser has finished writing it.
//
// A file is ready when its name is not a temporary name (see
// IsTemporaryName), it is a non-empty regular file, its size and
// modification time have not changed for Config.Stable, and it opens for
// reading. Each ready file yields one Ready event. A later change of content
// at the same path, such as an atomic replace, yields a new one.
package watch
