package oidclogin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"parapet/server/identity"
)

// readClaims returns the identity and auth_time of a verified ID token.
func (c *Client) readClaims(token *oidc.IDToken) (identity.OIDCIdentity, time.Time, error) {
	var claims map[string]json.RawMessage
	if err := token.Claims(&claims); err != nil {
		return identity.OIDCIdentity{}, time.Time{}, fmt.Errorf("decoding ID token claims: %w", err)
	}
	id := identity.OIDCIdentity{Issuer: token.Issuer, Subject: token.Subject}
	json.Unmarshal(claims["email"], &id.Email)
	json.Unmarshal(claims["name"], &id.Name)
	id.EmailVerified = readBool(claims["email_verified"])
	if raw, ok := claims[c.cfg.GroupsClaim]; ok {
		if err := json.Unmarshal(raw, &id.Groups); err != nil {
			return identity.OIDCIdentity{}, time.Time{}, fmt.Errorf("decoding ID token claim %q: want an array of strings: %w", c.cfg.GroupsClaim, err)
		}
	}
	var authTime float64
	if raw, ok := claims["auth_time"]; ok {
		if err := json.Unmarshal(raw, &authTime); err != nil {
			return identity.OIDCIdentity{}, time.Time{}, fmt.Errorf("decoding ID token claim auth_time: want seconds since the epoch: %w", err)
		}
	}
	var at time.Time
	if authTime > 0 {
		at = time.Unix(int64(authTime), 0).UTC()
	}
	return id, at, nil
}

// readBool accepts true and "true", because some providers send
// email_verified as a string.
func readBool(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "true"
}
