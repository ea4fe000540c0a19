package bridge

import (
	"net/http"
	"strconv"
	"strings"
)

const originPrefix = "chrome-extension://"

// allowedHosts returns the exact Host values the bridge accepts when it
// listens on port. Only loopback names are listed, so a page that rebinds
// its own DNS name to 127.0.0.1 still sends its own name and is rejected.
func allowedHosts(port int) map[string]bool {
	p := strconv.Itoa(port)
	return map[string]bool{
		"127.0.0.1:" + p: true,
		"localhost:" + p: true,
		"[::1]:" + p:     true,
	}
}

// checkHandshake returns "" when r may be upgraded, or the reason it may
// not. It requires exactly one Origin header of the form
// chrome-extension://ID, compared byte for byte, with ID in allowed.
func checkHandshake(r *http.Request, hosts map[string]bool, allowed map[string]bool) string {
	if !hosts[r.Host] {
		return "host not allowed"
	}
	origins := r.Header.Values("Origin")
	if len(origins) != 1 {
		return "origin missing or repeated"
	}
	id, ok := strings.CutPrefix(origins[0], originPrefix)
	if !ok || !allowed[id] {
		return "origin not allowed"
	}
	return ""
}
