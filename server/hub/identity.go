package hub

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"parapet/server/access"
	"parapet/server/identity"
	"parapet/server/identity/stepup"
	"parapet/server/policy"
)

// ScopedSessions finds the session of a user on one device and app.
// sqlstore.Store implements it.
type ScopedSessions interface {
	SessionByScope(ctx context.Context, userID, deviceID, appID string) (identity.Session, error)
	UpdateSession(ctx context.Context, s identity.Session) error
}

// Identity is what the hub needs to decide actions for signed-in users,
// hold actions for step-up and apply blocks. Every field but PublicURL is
// required.
type Identity struct {
	Users    *identity.Directory
	Sessions *identity.Sessions
	Scopes   ScopedSessions
	Registry *stepup.Registry
	Access   *access.Service
	// PublicURL is the server's https origin, such as
	// "https://parapet.example.org"; the step-up link of a verdict is
	// PublicURL followed by /stepup/ID.
	PublicURL string
}

// adaptiveState is the hub's part for signed-in users. The zero value
// has no Identity, and actions are then decided for the device's
// enrolled user as before.
type adaptiveState struct {
	identity atomic.Pointer[Identity]

	mu sync.Mutex
	// signedIn maps each link to the normalized emails of the users whose
	// session tokens it carried, so NotifyUser reaches them.
	signedIn map[*link]map[string]bool
}

// SetIdentity turns on sign-in sessions, step-up and blocks. Call it
// before agents connect.
func (h *Hub) SetIdentity(id *Identity) { h.adaptive.identity.Store(id) }

func (h *Hub) identity() *Identity { return h.adaptive.identity.Load() }

func (h *Hub) rememberUser(l *link, email string) {
	a := &h.adaptive
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.signedIn == nil {
		a.signedIn = make(map[*link]map[string]bool)
	}
	if a.signedIn[l] == nil {
		a.signedIn[l] = make(map[string]bool)
	}
	a.signedIn[l][access.NormalizeUser(email)] = true
}

func (h *Hub) forgetLink(l *link) {
	a := &h.adaptive
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.signedIn, l)
}

// subject is who an action is decided for.
type subject struct {
	user policy.User
	// email is the user recorded in the activity log and the key of
	// blocks and anomaly detection.
	email   string
	session *identity.Session
}

func (s subject) facts() policy.SessionFacts {
	if s.session == nil {
		return policy.SessionFacts{}
	}
	return policy.SessionFacts{SignedIn: true, IPChanged: s.session.IPChanged,
		AuthenticatedAt: s.session.AuthenticatedAt}
}

// deviceSubject is the device's enrolled user, for actions without a
// valid session token.
func (l *link) deviceSubject() subject {
	return subject{user: policy.User{ID: l.device.User, Email: l.device.User}, email: l.device.User}
}

// resolveSubject returns the signed-in user of token and their session
// for this device and appID, creating that session when it is missing and
// marking it when the link's source address differs from the session's.
// It falls back to the device's user when there is no identity, no token,
// or the token is unknown, expired or of a disabled user.
func (l *link) resolveSubject(ctx context.Context, token, appID string) subject {
	id := l.hub.identity()
	if id == nil || token == "" {
		return l.deviceSubject()
	}
	signIn, err := id.Sessions.Lookup(ctx, token)
	if err != nil {
		// The error names the session id at most, never the token.
		l.log.Info("session token not accepted, deciding for the device's user", "error", err)
		return l.deviceSubject()
	}
	u, err := id.Users.User(ctx, signIn.UserID)
	if err != nil || u.Disabled {
		l.log.Info("session user not found or disabled, deciding for the device's user",
			"session_id", signIn.ID, "user_id", signIn.UserID, "error", err)
		return l.deviceSubject()
	}
	l.hub.rememberUser(l, u.Email)
	s := subject{user: policy.User{ID: u.ID, Email: u.Email, Groups: u.Groups, Guest: id.Users.IsGuest(u)}, email: u.Email}
	scoped, err := l.scopedSession(ctx, id, signIn, appID)
	if err != nil {
		l.log.Error("preparing device session", "session_id", signIn.ID, "user_id", u.ID, "error", err)
		s.session = &signIn
		return s
	}
	if ip, err := netip.ParseAddr(l.sourceIP); err == nil {
		if marked, err := id.Sessions.MarkIPChange(ctx, scoped.ID, ip); err != nil {
			l.log.Error("recording session source address", "session_id", scoped.ID, "error", err)
		} else {
			scoped = marked
		}
	}
	s.session = &scoped
	return s
}

// scopedSession returns the user's session for this device and appID. A
// missing one is created from the link's address and inherits the
// sign-in's authentication time and expiry, and a later sign-in moves its
// authentication time forward.
func (l *link) scopedSession(ctx context.Context, id *Identity, signIn identity.Session, appID string) (identity.Session, error) {
	if signIn.DeviceID == l.device.ID && signIn.AppID == appID {
		return signIn, nil
	}
	s, err := id.Scopes.SessionByScope(ctx, signIn.UserID, l.device.ID, appID)
	expired := err == nil && !time.Now().Before(s.ExpiresAt)
	switch {
	case err == nil && !expired:
		if signIn.AuthenticatedAt.After(s.AuthenticatedAt) || !s.ExpiresAt.Equal(signIn.ExpiresAt) {
			s.AuthenticatedAt = later(s.AuthenticatedAt, signIn.AuthenticatedAt)
			s.ExpiresAt = signIn.ExpiresAt
			if err := id.Scopes.UpdateSession(ctx, s); err != nil {
				return identity.Session{}, err
			}
		}
		return s, nil
	case err != nil && !errors.Is(err, identity.ErrNotFound):
		return identity.Session{}, err
	}
	ip, _ := netip.ParseAddr(l.sourceIP)
	s, _, err = id.Sessions.Create(ctx, identity.NewSession{UserID: signIn.UserID, DeviceID: l.device.ID,
		AppID: appID, IP: ip.Unmap()})
	if err != nil {
		return identity.Session{}, err
	}
	s.AuthenticatedAt, s.ExpiresAt = signIn.AuthenticatedAt, signIn.ExpiresAt
	if err := id.Scopes.UpdateSession(ctx, s); err != nil {
		return identity.Session{}, err
	}
	return s, nil
}

// linkActsFor reports whether l acts for email: as the device's enrolled
// user or through a session token it carried.
func (h *Hub) linkActsFor(l *link, email string) bool {
	if strings.EqualFold(strings.TrimSpace(l.device.User), email) {
		return true
	}
	a := &h.adaptive
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.signedIn[l][email]
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
