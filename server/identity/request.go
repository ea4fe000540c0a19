package identity

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// BearerToken returns the token of an "Authorization: Bearer TOKEN" header,
// or "" when there is none.
func BearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// FromRequest returns the live session of the request's bearer token. It
// returns an error wrapping ErrNotFound when the header is missing or the
// token is unknown, and ErrExpired for an expired session.
func (m *Sessions) FromRequest(r *http.Request) (Session, error) {
	token := BearerToken(r)
	if token == "" {
		return Session{}, fmt.Errorf("reading session token: missing Authorization bearer token: %w", ErrNotFound)
	}
	return m.Lookup(r.Context(), token)
}

// RecentlyAuthenticated reports whether the session signed in or passed a
// step-up within d before now.
func (m *Sessions) RecentlyAuthenticated(s Session, d time.Duration) bool {
	return !s.AuthenticatedAt.IsZero() && m.now().Sub(s.AuthenticatedAt) <= d
}

// RemoteIP returns the address of r.RemoteAddr, or the zero Addr when it
// cannot be parsed. Servers behind a reverse proxy pass their own function
// to the handlers instead.
func RemoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}
