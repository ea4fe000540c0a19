package watch

// Origin is the recorded source of a downloaded file, read from the metadata
// that the operating system or the browser stored on the file.
type Origin struct {
	URL      string // download URL
	Referrer string // page that linked to the download
	Agent    string // downloading application, when recorded (macOS quarantine)
	Source   string // the record that supplied the fields, one of the Source constants
}

// Records an Origin can come from.
const (
	// SourceXDG is the user.xdg.origin.url and user.xdg.referrer.url
	// extended attributes that Chromium sets on Linux.
	SourceXDG = "user.xdg.origin.url"
	// SourceZoneIdentifier is the Zone.Identifier alternate data stream
	// (Mark of the Web) on Windows.
	SourceZoneIdentifier = "Zone.Identifier"
	// SourceWhereFroms is the com.apple.metadata:kMDItemWhereFroms extended
	// attribute on macOS.
	SourceWhereFroms = "kMDItemWhereFroms"
	// SourceQuarantine is the com.apple.quarantine extended attribute on
	// macOS, which names the downloading application but no URL.
	SourceQuarantine = "com.apple.quarantine"
)
