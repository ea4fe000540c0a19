package policy

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// SessionFacts describe the user's Parapet sign-in session on the device
// and app of the action.
type SessionFacts struct {
	// SignedIn is true when the action carried a valid session token.
	SignedIn bool
	// IPChanged is the session's ip_changed risk flag: the agent's link
	// came from another address than the session's current one.
	IPChanged bool
	// AuthenticatedAt is the session's last sign-in or passed step-up,
	// or zero without a session. A step_up policy whose max_age this time
	// satisfies does not decide the action (see Decide), unless
	// IPChanged is set.
	AuthenticatedAt time.Time
}

var sessionShape = fields("signed_in", "ip_changed")

func (c *compiler) compileSession(path string, key, value *yaml.Node) {
	flag, ok := c.decodeBool(path, value)
	if !ok {
		return
	}
	n := node{path: path, flag: flag}
	switch key.Value {
	case "signed_in":
		n.op, n.yes, n.no = opSessionSignedIn, "user is signed in to Parapet", "user is not signed in to Parapet"
	case "ip_changed":
		n.op, n.yes, n.no = opSessionIPChanged, "session's source IP changed", "session's source IP did not change"
	}
	if !flag {
		n.yes, n.no = n.no, n.yes
	}
	c.leaf(n)
}

func (n *node) testSession(f *facts) bool {
	switch n.op {
	case opSessionSignedIn:
		return f.in.Session.SignedIn == n.flag
	case opSessionIPChanged:
		return f.in.Session.IPChanged == n.flag
	}
	return false
}

// stepUpSatisfied reports whether the session's last authentication is
// at most maxAge before the action, so a step_up policy with that
// max_age needs no new authentication. A session whose source address
// changed never satisfies it, because its authentication happened
// before the change; a passed step-up clears the flag.
func stepUpSatisfied(f *facts, maxAge time.Duration) bool {
	s := f.in.Session
	return !s.IPChanged && !s.AuthenticatedAt.IsZero() && maxAge > 0 && f.now.Sub(s.AuthenticatedAt) <= maxAge
}
