package config

import (
	"testing"
	"time"
)

func TestUplinkValidate(t *testing.T) {
	tests := []struct {
		name   string
		uplink Uplink
		ok     bool
	}{
		{"defaults", Uplink{}, true},
		{"loopback source", Uplink{UplinkSourceIP: "127.0.0.2"}, true},
		{"ipv6 loopback source", Uplink{UplinkSourceIP: "::1"}, true},
		{"non-loopback source", Uplink{UplinkSourceIP: "10.0.0.5"}, false},
		{"host name source", Uplink{UplinkSourceIP: "localhost"}, false},
		{"negative step-up timeout", Uplink{StepUpTimeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.uplink.validate()
			if (err == nil) != tt.ok {
				t.Errorf("got error %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestUplinkParse(t *testing.T) {
	cfg, err := Parse([]byte("uplink_source_ip: 127.0.0.2\nstep_up_timeout: 3m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UplinkSourceIP != "127.0.0.2" {
		t.Errorf("got uplink_source_ip %q, want 127.0.0.2", cfg.UplinkSourceIP)
	}
	if cfg.StepUpWait() != 3*time.Minute {
		t.Errorf("got step-up wait %s, want 3m", cfg.StepUpWait())
	}
	if (Uplink{}).StepUpWait() != DefaultStepUpTimeout {
		t.Errorf("zero step_up_timeout: got %s, want %s", (Uplink{}).StepUpWait(), DefaultStepUpTimeout)
	}
}
