package watch

import (
	"testing"
	"unicode/utf16"
)

func utf16LE(s string) []byte {
	out := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

func TestParseZoneIdentifier(t *testing.T) {
	const chrome = "[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://example.com/get\r\nHostUrl=https://dl.example.com/setup.exe\r\n"
	tests := []struct {
		name string
		data []byte
		want ZoneIdentifier
	}{
		{"chrome_crlf", []byte(chrome), ZoneIdentifier{3, "https://example.com/get", "https://dl.example.com/setup.exe"}},
		{"utf8_bom", append([]byte{0xEF, 0xBB, 0xBF}, chrome...), ZoneIdentifier{3, "https://example.com/get", "https://dl.example.com/setup.exe"}},
		{"utf16le_bom", utf16LE(chrome), ZoneIdentifier{3, "https://example.com/get", "https://dl.example.com/setup.exe"}},
		{"zone_only", []byte("[ZoneTransfer]\nZoneId=3\n"), ZoneIdentifier{ZoneID: 3}},
		{"case_and_spaces", []byte("[zonetransfer]\n zoneid = 4 \nHOSTURL= https://x.example/a \n"), ZoneIdentifier{4, "", "https://x.example/a"}},
		{"url_with_equals", []byte("[ZoneTransfer]\nHostUrl=https://x.example/a?b=c\n"), ZoneIdentifier{-1, "", "https://x.example/a?b=c"}},
		{"other_section", []byte("[Other]\nHostUrl=https://wrong.example/\n[ZoneTransfer]\nZoneId=2\n"), ZoneIdentifier{ZoneID: 2}},
		{"bad_zone", []byte("[ZoneTransfer]\nZoneId=internet\n"), ZoneIdentifier{ZoneID: -1}},
		{"empty", nil, ZoneIdentifier{ZoneID: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseZoneIdentifier(tt.data); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestZoneIdentifierOrigin(t *testing.T) {
	tests := []struct {
		name string
		zone ZoneIdentifier
		want Origin
	}{
		{"urls", ZoneIdentifier{3, "https://r.example/", "https://h.example/f"},
			Origin{URL: "https://h.example/f", Referrer: "https://r.example/", Source: SourceZoneIdentifier}},
		{"zone_only", ZoneIdentifier{ZoneID: 3}, Origin{}},
	}
	for _, tt := range tests {
		if got := tt.zone.Origin(); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
