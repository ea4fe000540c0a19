package watch

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
)

// ZoneIdentifier is the content of a Windows Zone.Identifier stream, the
// "Mark of the Web" that browsers attach to downloads.
type ZoneIdentifier struct {
	// ZoneID is the URL security zone: 0 local machine, 1 intranet,
	// 2 trusted, 3 internet, 4 restricted. It is -1 when the key is missing
	// or not a number.
	ZoneID      int
	ReferrerURL string
	HostURL     string
}

// ParseZoneIdentifier parses Zone.Identifier stream text, an INI file whose
// [ZoneTransfer] section holds ZoneId, ReferrerUrl and HostUrl. Keys and the
// section name compare without case. The text may be UTF-8 or, with a byte
// order mark, UTF-16LE, and lines may end in CRLF. Keys outside the section
// and unknown keys are ignored.
func ParseZoneIdentifier(data []byte) ZoneIdentifier {
	z := ZoneIdentifier{ZoneID: -1}
	inSection := false
	sc := bufio.NewScanner(bytes.NewReader(decodeZoneText(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			inSection = strings.EqualFold(strings.TrimSpace(line[1:len(line)-1]), "ZoneTransfer")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !inSection || !ok {
			continue
		}
		z.set(strings.TrimSpace(key), strings.TrimSpace(value))
	}
	return z
}

func (z *ZoneIdentifier) set(key, value string) {
	switch {
	case strings.EqualFold(key, "ZoneId"):
		if n, err := strconv.Atoi(value); err == nil {
			z.ZoneID = n
		}
	case strings.EqualFold(key, "ReferrerUrl"):
		z.ReferrerURL = value
	case strings.EqualFold(key, "HostUrl"):
		z.HostURL = value
	}
}

// decodeZoneText strips a UTF-8 byte order mark or converts UTF-16LE text
// that starts with its byte order mark.
func decodeZoneText(data []byte) []byte {
	if rest, ok := bytes.CutPrefix(data, []byte{0xEF, 0xBB, 0xBF}); ok {
		return rest
	}
	rest, ok := bytes.CutPrefix(data, []byte{0xFF, 0xFE})
	if !ok {
		return data
	}
	units := make([]uint16, len(rest)/2)
	for i := range units {
		units[i] = uint16(rest[2*i]) | uint16(rest[2*i+1])<<8
	}
	return []byte(string(utf16.Decode(units)))
}

// Origin converts the stream content to an Origin.
func (z ZoneIdentifier) Origin() Origin {
	if z.HostURL == "" && z.ReferrerURL == "" {
		return Origin{}
	}
	return Origin{URL: z.HostURL, Referrer: z.ReferrerURL, Source: SourceZoneIdentifier}
}
