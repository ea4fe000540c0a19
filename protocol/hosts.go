package protocol

import (
	"net"
	"strings"
)

// MatchHost reports whether host (as in a URL: a name or address with an
// optional port) matches an app's host pattern. The server, the agent's
// offline decisions and the extension all use these rules:
//
//   - "files.corp.test" matches that host on any port;
//   - "*.corp.test" matches any subdomain of corp.test, not corp.test itself;
//   - "files.corp.test:8080" matches only port 8080, and ":*" any port;
//   - names compare case-insensitively, and "[::1]" is written with brackets.
func MatchHost(pattern, host string) bool {
	pName, pPort := splitHostPort(strings.ToLower(pattern))
	hName, hPort := splitHostPort(strings.ToLower(host))
	if hName == "" || pName == "" {
		return false
	}
	if pPort != "" && pPort != "*" && pPort != hPort {
		return false
	}
	if suffix, ok := strings.CutPrefix(pName, "*."); ok {
		return strings.HasSuffix(hName, "."+suffix) && len(hName) > len(suffix)+1
	}
	return pName == hName
}

// splitHostPort splits "name:port", "[v6]:port", "name" and "[v6]" into a
// name (without brackets) and a port, which is empty when absent.
func splitHostPort(s string) (name, port string) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", ""
		}
		name, rest := s[1:end], s[end+1:]
		if rest == "" {
			return name, ""
		}
		if !strings.HasPrefix(rest, ":") {
			return "", ""
		}
		return name, rest[1:]
	}
	if strings.Count(s, ":") > 1 {
		// A bare IPv6 address without brackets carries no port.
		if net.ParseIP(s) != nil {
			return s, ""
		}
		return "", ""
	}
	name, port, found := strings.Cut(s, ":")
	if found && port == "" {
		return "", ""
	}
	return name, port
}
