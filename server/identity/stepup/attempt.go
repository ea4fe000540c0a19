package stepup

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
)

// Verifier checks one re-authentication of the action's user. It returns
// nil when the user passed.
type Verifier func(ctx context.Context, a Action) error

// Attempt runs verify for the pending action id, records the attempt
// through OnAttempt and updates the action: a pass satisfies it and sets
// the session's authentication time. A failure counts against MaxAttempts
// and leaves it pending until the limit. It returns the action and the
// reason the attempt failed, or ErrNotFound or ErrNotPending.
func (r *Registry) Attempt(ctx context.Context, id, method string, ip netip.Addr, verify Verifier) (Action, error) {
	a, err := r.pending(id)
	if err != nil {
		if a.ID != "" {
			r.record(ctx, a, method, ip, err)
		}
		return a, err
	}
	verifyErr := verify(ctx, a)
	if verifyErr == nil && r.Sessions != nil {
		if _, err := r.Sessions.MarkAuthenticated(ctx, a.SessionID, r.now()); err != nil {
			verifyErr = fmt.Errorf("updating the session: %w", err)
		}
	}
	if verifyErr == nil {
		final, ok := r.finish(id, StatusSatisfied, method)
		if !ok {
			// The action expired or was canceled while verify ran.
			verifyErr = ErrNotPending
		} else {
			a = final
		}
	}
	if verifyErr != nil {
		a = r.countFailure(id, method)
	}
	r.record(ctx, a, method, ip, verifyErr)
	return a, verifyErr
}

// countFailure adds a failed attempt and fails the action at MaxAttempts.
func (r *Registry) countFailure(id, method string) Action {
	r.mu.Lock()
	e, ok := r.actions[id]
	if !ok {
		r.mu.Unlock()
		return Action{ID: id}
	}
	if e.action.Status != StatusPending {
		a := e.action
		r.mu.Unlock()
		return a
	}
	e.action.Attempts++
	limitReached := e.action.Attempts >= orDefault(r.MaxAttempts, 5)
	a := e.action
	r.mu.Unlock()
	if limitReached {
		a, _ = r.finish(id, StatusFailed, method)
	}
	return a
}

func (r *Registry) record(ctx context.Context, a Action, method string, ip netip.Addr, err error) {
	attempt := Attempt{ActionID: a.ID, UserID: a.UserID, SessionID: a.SessionID, Method: method,
		OK: err == nil, IP: ip, At: r.now()}
	if err != nil {
		attempt.Error = err.Error()
		r.log().Warn("step-up attempt failed", "action_id", a.ID, "user_id", a.UserID, "method", method,
			"attempts", a.Attempts, "status", string(a.Status), "ip", ip.String(), "error", err)
	} else {
		r.log().Info("step-up passed", "action_id", a.ID, "user_id", a.UserID, "method", method, "ip", ip.String())
	}
	if r.OnAttempt != nil {
		r.OnAttempt(ctx, attempt)
	}
}

// IsNotPending reports whether err means the action is finished or gone.
func IsNotPending(err error) bool {
	return errors.Is(err, ErrNotPending) || errors.Is(err, ErrNotFound)
}
