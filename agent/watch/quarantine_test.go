package watch

import (
	"testing"
	"time"
)

func TestParseQuarantine(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  Quarantine
	}{
		{"chrome", "0083;65a1b2c3;Google Chrome;6D3F0B7C-1E2A-4B5C-9D8E-0F1A2B3C4D5E",
			Quarantine{0x83, time.Unix(0x65a1b2c3, 0).UTC(), "Google Chrome", "6D3F0B7C-1E2A-4B5C-9D8E-0F1A2B3C4D5E"}},
		{"no_event_id", "0081;5f1e7c2a;Safari", Quarantine{Flags: 0x81, Time: time.Unix(0x5f1e7c2a, 0).UTC(), Agent: "Safari"}},
		{"flags_only", "0001", Quarantine{Flags: 1}},
		{"empty_fields", "0082;;;", Quarantine{Flags: 0x82}},
		{"trailing_nul", "0083;65a1b2c3;Firefox;ID\x00", Quarantine{0x83, time.Unix(0x65a1b2c3, 0).UTC(), "Firefox", "ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuarantine(tt.value)
			if err != nil {
				t.Fatalf("ParseQuarantine: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseQuarantineErrors(t *testing.T) {
	for _, value := range []string{"", "zz;65a1b2c3;Safari", "0083;not-hex;Safari", "1ffffffff;0;x"} {
		if got, err := ParseQuarantine(value); err == nil {
			t.Errorf("ParseQuarantine(%q): got %+v, want an error", value, got)
		}
	}
}
