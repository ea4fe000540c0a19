package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"parapet/server/auth"
)

// RiskIPChanged is the risk flag of a session whose source address changed
// after it was created.
const RiskIPChanged = "ip_changed"

// Session is a signed-in user on one device and app. The token itself is
// handed out once and never stored.
type Session struct {
	ID        string
	TokenHash []byte
	UserID    string
	// DeviceID and AppID scope the session. Either may be empty when the
	// sign-in did not name one.
	DeviceID string
	AppID    string
	// FirstIP is the address the session was created from and CurrentIP
	// the address it was last seen from.
	FirstIP   netip.Addr
	CurrentIP netip.Addr
	CreatedAt time.Time
	ExpiresAt time.Time
	// AuthenticatedAt is the last sign-in or passed step-up.
	AuthenticatedAt time.Time
	// IPChanged is the ip_changed risk flag. A passed step-up clears it.
	IPChanged bool
}

// Risks returns the session's risk flags, such as RiskIPChanged.
func (s Session) Risks() []string {
	if s.IPChanged {
		return []string{RiskIPChanged}
	}
	return nil
}

// Sessions creates and checks sessions. It is safe for concurrent use.
type Sessions struct {
	Store SessionStore
	// TTL is how long a new session lasts. The zero value means 12 hours.
	TTL time.Duration
	// Now returns the current time. Tests replace it.
	Now func() time.Time
	Log *slog.Logger
}

// DefaultSessionTTL is the lifetime of a session when Sessions.TTL is zero.
const DefaultSessionTTL = 12 * time.Hour

// NewSession describes the session to create.
type NewSession struct {
	UserID   string
	DeviceID string
	AppID    string
	IP       netip.Addr
}

func (m *Sessions) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

func (m *Sessions) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}

// Create stores a new session and returns it with its token, which the
// caller hands to the client and which cannot be recovered later. It
// replaces an earlier session of the same user, device and app.
func (m *Sessions) Create(ctx context.Context, n NewSession) (Session, string, error) {
	if n.UserID == "" {
		return Session{}, "", errors.New("creating session: missing user id")
	}
	token, sum, err := auth.NewToken()
	if err != nil {
		return Session{}, "", fmt.Errorf("creating session token: %w", err)
	}
	ttl := m.TTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	now := m.now()
	s := Session{
		ID:              NewID("ses_"),
		TokenHash:       sum,
		UserID:          n.UserID,
		DeviceID:        n.DeviceID,
		AppID:           n.AppID,
		FirstIP:         n.IP,
		CurrentIP:       n.IP,
		CreatedAt:       now,
		ExpiresAt:       now.Add(ttl),
		AuthenticatedAt: now,
	}
	if err := m.Store.CreateSession(ctx, s); err != nil {
		return Session{}, "", fmt.Errorf("storing session: %w", err)
	}
	m.log().Info("session created", "session_id", s.ID, "user_id", s.UserID,
		"device_id", s.DeviceID, "app_id", s.AppID, "ip", s.FirstIP.String())
	return s, token, nil
}

// Lookup returns the session of token. It returns ErrNotFound for an
// unknown token and ErrExpired for an expired one.
func (m *Sessions) Lookup(ctx context.Context, token string) (Session, error) {
	sum := auth.HashToken(token)
	s, err := m.Store.SessionByTokenHash(ctx, sum)
	if err != nil {
		return Session{}, fmt.Errorf("looking up session: %w", err)
	}
	// The store found it by hash already. Comparing again in constant time
	// guards against a store whose lookup is not an exact match.
	if subtle.ConstantTimeCompare(s.TokenHash, sum) != 1 {
		return Session{}, fmt.Errorf("looking up session: %w", ErrNotFound)
	}
	if !m.now().Before(s.ExpiresAt) {
		return Session{}, fmt.Errorf("looking up session %s: %w", s.ID, ErrExpired)
	}
	return s, nil
}

// Get returns the session with id, or ErrExpired when it has expired.
func (m *Sessions) Get(ctx context.Context, id string) (Session, error) {
	s, err := m.Store.SessionByID(ctx, id)
	if err != nil {
		return Session{}, fmt.Errorf("reading session %s: %w", id, err)
	}
	if !m.now().Before(s.ExpiresAt) {
		return Session{}, fmt.Errorf("reading session %s: %w", id, ErrExpired)
	}
	return s, nil
}

// MarkIPChange records that the session was seen from ip. When ip differs
// from the current address, it becomes the current address and the session
// gets the ip_changed risk flag. It returns the updated session.
func (m *Sessions) MarkIPChange(ctx context.Context, sessionID string, ip netip.Addr) (Session, error) {
	s, err := m.Get(ctx, sessionID)
	if err != nil {
		return Session{}, err
	}
	ip = ip.Unmap()
	if ip == s.CurrentIP.Unmap() {
		return s, nil
	}
	previous := s.CurrentIP
	s.CurrentIP = ip
	s.IPChanged = true
	if err := m.Store.UpdateSession(ctx, s); err != nil {
		return Session{}, fmt.Errorf("updating session %s: %w", s.ID, err)
	}
	m.log().Warn("session source address changed", "session_id", s.ID, "user_id", s.UserID,
		"previous_ip", previous.String(), "ip", ip.String())
	return s, nil
}

// MarkAuthenticated records a passed re-authentication at time at: it sets
// AuthenticatedAt and clears the ip_changed flag, because the user has
// proven themselves from the current address.
func (m *Sessions) MarkAuthenticated(ctx context.Context, sessionID string, at time.Time) (Session, error) {
	s, err := m.Get(ctx, sessionID)
	if err != nil {
		return Session{}, err
	}
	s.AuthenticatedAt = at.UTC()
	s.IPChanged = false
	if err := m.Store.UpdateSession(ctx, s); err != nil {
		return Session{}, fmt.Errorf("updating session %s: %w", s.ID, err)
	}
	return s, nil
}

// Revoke deletes the session.
func (m *Sessions) Revoke(ctx context.Context, sessionID string) error {
	if err := m.Store.DeleteSession(ctx, sessionID); err != nil {
		return fmt.Errorf("deleting session %s: %w", sessionID, err)
	}
	m.log().Info("session revoked", "session_id", sessionID)
	return nil
}

// DeleteExpired deletes expired sessions. The server calls it periodically.
func (m *Sessions) DeleteExpired(ctx context.Context) (int, error) {
	n, err := m.Store.DeleteExpiredSessions(ctx, m.now())
	if err != nil {
		return 0, fmt.Errorf("deleting expired sessions: %w", err)
	}
	return n, nil
}
