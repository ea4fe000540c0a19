package watch

// Extended attributes from the freedesktop.org "Common Extended Attributes"
// list, which Chromium sets on completed downloads.
const (
	xattrOriginURL   = "user.xdg.origin.url"
	xattrReferrerURL = "user.xdg.referrer.url"
)

// readOrigin reads the XDG origin attributes of path. A file without them,
// or on a file system without user extended attributes, has a zero Origin
// and no error.
func readOrigin(path string) (Origin, error) {
	url, err := getXattr(path, xattrOriginURL)
	if err != nil {
		return Origin{}, err
	}
	referrer, err := getXattr(path, xattrReferrerURL)
	if err != nil {
		return Origin{}, err
	}
	if url == nil && referrer == nil {
		return Origin{}, nil
	}
	return Origin{URL: string(url), Referrer: string(referrer), Source: SourceXDG}, nil
}
