package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"time"
)

// Validate checks every field and returns an error that names the first
// invalid one.
func (c *Config) Validate() error {
	if err := checkServerURL(c.ServerURL); err != nil {
		return err
	}
	if c.StateDir == "" {
		return fmt.Errorf("state_dir: missing")
	}
	if err := CheckLoopback(c.BridgeListen); err != nil {
		return fmt.Errorf("bridge_listen: %w", err)
	}
	if err := checkExtensionIDs(c.AllowedExtensionIDs); err != nil {
		return err
	}
	if c.VerdictTimeout <= 0 {
		return fmt.Errorf("verdict_timeout: must be positive, got %s", c.VerdictTimeout)
	}
	if c.ReconnectMin <= 0 {
		return fmt.Errorf("reconnect_min: must be positive, got %s", c.ReconnectMin)
	}
	if c.ReconnectMax < c.ReconnectMin {
		return fmt.Errorf("reconnect_max: %s is less than reconnect_min %s", c.ReconnectMax, c.ReconnectMin)
	}
	if c.PostureInterval < time.Minute {
		return fmt.Errorf("posture_interval: must be at least 1m, got %s", c.PostureInterval)
	}
	switch c.CredentialStore {
	case "auto", "keyring", "file":
	default:
		return fmt.Errorf("credential_store: %q is not one of auto, keyring, file", c.CredentialStore)
	}
	if c.LogFile != "" && !filepath.IsAbs(c.LogFile) {
		return fmt.Errorf("log_file: %q is not an absolute path", c.LogFile)
	}
	return c.Uplink.validate()
}

func checkServerURL(s string) error {
	if s == "" {
		return fmt.Errorf("server_url: missing")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("server_url: %w", err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("server_url: %q is not an https URL with a host", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("server_url: %q must not contain user info, a query or a fragment", s)
	}
	return nil
}

// CheckLoopback checks that addr is "IP:PORT" with a loopback IP, such as
// 127.0.0.1:47801 or [::1]:47801. Host names, even localhost, are
// rejected, because a name can resolve to a non-loopback address.
func CheckLoopback(addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(addr)
		if splitErr == nil && host != "" {
			return fmt.Errorf("%q: use a loopback IP address such as 127.0.0.1, not a host name", addr)
		}
		return fmt.Errorf("%q is not an IP:PORT address", addr)
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("%q is not a loopback address, and the bridge listens only on loopback", addr)
	}
	return nil
}

func checkExtensionIDs(ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("allowed_extension_ids: must list at least one extension id")
	}
	for i, id := range ids {
		if !ValidExtensionID(id) {
			return fmt.Errorf("allowed_extension_ids[%d]: %q is not 32 letters from a to p", i, id)
		}
	}
	return nil
}

// ValidExtensionID reports whether id has the form of a Chrome extension
// id: 32 characters from a to p.
func ValidExtensionID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if c < 'a' || c > 'p' {
			return false
		}
	}
	return true
}
