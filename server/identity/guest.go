package identity

import "slices"

// Organization holds what decides whether a user is a guest.
type Organization struct {
	// Domains are the organization's email domains, such as "example.org".
	// A user whose email domain is not listed is a guest. Subdomains do not
	// match, so list each one.
	Domains []string
	// GuestGroups are groups whose members are guests even with an
	// organization email, such as contractors.
	GuestGroups []string
}

// IsGuest reports whether u is a guest: flagged as one, with an email
// domain outside o.Domains, or a member of one of o.GuestGroups. Domains
// compare case-insensitively. Groups compare exactly, because an identity
// provider may treat the case of group names as significant.
//
// NOTE: with no Domains configured every user is a guest, which is the
// safe reading of an incomplete configuration.
func (o Organization) IsGuest(u User) bool {
	if u.Guest {
		return true
	}
	domain := EmailDomain(u.Email)
	if domain == "" || !slices.ContainsFunc(o.Domains, func(d string) bool { return NormalizeEmail(d) == domain }) {
		return true
	}
	for _, g := range u.Groups {
		if slices.Contains(o.GuestGroups, g) {
			return true
		}
	}
	return false
}
