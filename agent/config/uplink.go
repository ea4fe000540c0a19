package config

import (
	"fmt"
	"net/netip"
	"time"
)

// DefaultStepUpTimeout is how long the agent keeps an action held after a
// step_up verdict. It is longer than the server's default step-up timeout
// of 2 minutes, so the server's final verdict arrives first.
const DefaultStepUpTimeout = 150 * time.Second

// Uplink holds the keys of the link to the server beyond its URL.
type Uplink struct {
	// UplinkSourceIP is the local loopback address the link to the server
	// is bound to, such as 127.0.0.2, so tests can make the server see
	// another source address. Empty lets the system choose.
	UplinkSourceIP string `yaml:"uplink_source_ip"`
	// StepUpTimeout bounds the wait for the final verdict of an action
	// held for step-up. Zero means DefaultStepUpTimeout.
	StepUpTimeout time.Duration `yaml:"step_up_timeout"`
}

// StepUpWait returns StepUpTimeout, or its default when it is zero.
func (u Uplink) StepUpWait() time.Duration {
	if u.StepUpTimeout <= 0 {
		return DefaultStepUpTimeout
	}
	return u.StepUpTimeout
}

func (u Uplink) validate() error {
	if u.UplinkSourceIP != "" {
		ip, err := netip.ParseAddr(u.UplinkSourceIP)
		if err != nil {
			return fmt.Errorf("uplink_source_ip: %q is not an IP address", u.UplinkSourceIP)
		}
		if !ip.IsLoopback() {
			return fmt.Errorf("uplink_source_ip: %q is not a loopback address; the key exists for tests on one machine", u.UplinkSourceIP)
		}
	}
	if u.StepUpTimeout < 0 {
		return fmt.Errorf("step_up_timeout: must not be negative, got %s", u.StepUpTimeout)
	}
	return nil
}
