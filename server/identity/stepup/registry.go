// Package stepup holds actions that a step_up verdict stopped until the
// user re-authenticates with TOTP, WebAuthn or a fresh OIDC login.
package stepup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"parapet/server/identity"
)

// Status is the state of a held action.
type Status string

// Statuses of a held action. Every status but StatusPending is final.
const (
	StatusPending   Status = "pending"
	StatusSatisfied Status = "satisfied"
	// StatusFailed means MaxAttempts attempts failed.
	StatusFailed  Status = "failed"
	StatusExpired Status = "expired"
	// StatusCanceled means the holder gave up, for example because the
	// agent's link closed.
	StatusCanceled Status = "canceled"
)

// Methods of re-authentication, as recorded in attempts.
const (
	MethodTOTP     = "totp"
	MethodWebAuthn = "webauthn"
	MethodOIDC     = "oidc"
)

// Errors returned by the registry.
var (
	ErrNotFound   = errors.New("held action not found")
	ErrNotPending = errors.New("held action is no longer pending")
)

// Action is an action held until its user re-authenticates.
type Action struct {
	// ID is random and unguessable, because the step-up page URL carries
	// it and anyone with it may attempt the user's second factor.
	ID        string
	UserID    string
	SessionID string
	// RequestID is the envelope id of the action.request that was held.
	RequestID string
	// Reason is the verdict's reason, shown on the step-up page.
	Reason    string
	Status    Status
	Method    string
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
	// DecidedAt is when the status became final.
	DecidedAt time.Time
}

// Attempt is one try to pass a step-up, for the activity log.
type Attempt struct {
	ActionID  string
	UserID    string
	SessionID string
	Method    string
	OK        bool
	// Error says why the attempt failed. It never contains the code.
	Error string
	IP    netip.Addr
	At    time.Time
}

// HoldRequest describes an action to hold.
type HoldRequest struct {
	UserID    string
	SessionID string
	RequestID string
	Reason    string
}

// Registry keeps held actions in memory. It is safe for concurrent use.
type Registry struct {
	// Sessions gets the new authentication time of a passed step-up.
	Sessions *identity.Sessions
	// Timeout is how long an action waits. The zero value means 2 minutes.
	Timeout time.Duration
	// MaxAttempts is how many failed attempts fail the action. The zero
	// value means 5.
	MaxAttempts int
	// Retention is how long a finished action stays readable. The zero
	// value means 10 minutes.
	Retention time.Duration
	// OnAttempt is called after each attempt, outside the registry's lock.
	OnAttempt func(ctx context.Context, a Attempt)
	Now       func() time.Time
	Log       *slog.Logger

	mu      sync.Mutex
	actions map[string]*entry
}

type entry struct {
	action Action
	done   chan struct{}
}

// DefaultTimeout is how long an action is held when Registry.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

func (r *Registry) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Registry) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, fallback T) T {
	if v <= 0 {
		return fallback
	}
	return v
}

// Hold registers a pending action that expires after Timeout.
func (r *Registry) Hold(_ context.Context, req HoldRequest) (Action, error) {
	if req.UserID == "" || req.SessionID == "" {
		return Action{}, errors.New("holding action: missing user or session id")
	}
	timeout := orDefault(r.Timeout, DefaultTimeout)
	now := r.now()
	a := Action{ID: identity.NewID("stp_"), UserID: req.UserID, SessionID: req.SessionID,
		RequestID: req.RequestID, Reason: req.Reason, Status: StatusPending,
		CreatedAt: now, ExpiresAt: now.Add(timeout)}
	e := &entry{action: a, done: make(chan struct{})}
	r.mu.Lock()
	if r.actions == nil {
		r.actions = make(map[string]*entry)
	}
	r.actions[a.ID] = e
	r.mu.Unlock()
	time.AfterFunc(timeout, func() { r.finish(a.ID, StatusExpired, "") })
	r.log().Info("action held for step-up", "action_id", a.ID, "user_id", a.UserID,
		"session_id", a.SessionID, "request_id", a.RequestID)
	return a, nil
}

// Get returns the action with id.
func (r *Registry) Get(id string) (Action, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.actions[id]
	if !ok {
		return Action{}, ErrNotFound
	}
	return e.action, nil
}

// Wait blocks until the action is no longer pending and returns it. It
// returns ctx's error when ctx ends first. The action stays held then.
func (r *Registry) Wait(ctx context.Context, id string) (Action, error) {
	r.mu.Lock()
	e, ok := r.actions[id]
	r.mu.Unlock()
	if !ok {
		return Action{}, ErrNotFound
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return Action{}, fmt.Errorf("waiting for step-up %s: %w", id, ctx.Err())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return e.action, nil
}

// Cancel ends a pending action with StatusCanceled.
func (r *Registry) Cancel(id string) {
	r.finish(id, StatusCanceled, "")
}

// finish sets a final status on a pending action and wakes its waiters. It
// reports whether the action was pending.
func (r *Registry) finish(id string, status Status, method string) (Action, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.actions[id]
	if !ok || e.action.Status != StatusPending {
		if ok {
			return e.action, false
		}
		return Action{}, false
	}
	e.action.Status, e.action.Method, e.action.DecidedAt = status, method, r.now()
	close(e.done)
	time.AfterFunc(orDefault(r.Retention, 10*time.Minute), func() {
		r.mu.Lock()
		delete(r.actions, id)
		r.mu.Unlock()
	})
	if status == StatusExpired {
		r.log().Info("step-up expired", "action_id", id, "user_id", e.action.UserID)
	}
	return e.action, true
}

// pending returns the action when it is pending and not past its expiry.
func (r *Registry) pending(id string) (Action, error) {
	a, err := r.Get(id)
	if err != nil {
		return Action{}, err
	}
	if a.Status != StatusPending || !r.now().Before(a.ExpiresAt) {
		return a, ErrNotPending
	}
	return a, nil
}
