package relay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"parapet/protocol"
)

// HeldForwarder is a Forwarder that passes a non-final step_up verdict to
// interim and returns the final verdict. The uplink implements it.
type HeldForwarder interface {
	ForwardHeld(ctx context.Context, req *protocol.ActionRequest, interim func(*protocol.Verdict)) (*protocol.Verdict, error)
}

// DefaultStepUpTimeout is Relay.StepUpTimeout when it is zero.
const DefaultStepUpTimeout = 150 * time.Second

// HeldLostMessage is the block message of a held action whose final
// verdict never arrived.
const HeldLostMessage = "Parapet did not receive the result of your verification, so this action is blocked. Try again."

// DecideHeld is Decide for a caller that can show a step_up verdict
// before the final one: interim receives the step_up verdict, with its
// RequestID set to id, and the wait for the final verdict is extended to
// StepUpTimeout. A held action whose final verdict does not arrive is
// blocked, whatever the app's fail mode, because the server asked for
// step-up. Without a HeldForwarder uplink it is Decide.
func (r *Relay) DecideHeld(ctx context.Context, id string, req *protocol.ActionRequest, interim func(*protocol.Verdict)) *protocol.Verdict {
	up, ok := r.Uplink.(HeldForwarder)
	if !ok {
		return r.Decide(ctx, id, req)
	}

	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errVerdictTimeout := fmt.Errorf("the server sent no verdict within %s", r.Timeout)
	timer := time.AfterFunc(r.Timeout, func() { cancel(errVerdictTimeout) })
	defer timer.Stop()
	held := false
	v, err := up.ForwardHeld(fctx, req, func(v *protocol.Verdict) {
		out := *v
		out.RequestID = id
		held = true
		timer.Reset(r.stepUpTimeout())
		r.Log.Info("action held for step-up", "request_id", id, "event_id", v.EventID)
		interim(&out)
	})

	if err == nil {
		out := *v
		out.RequestID = id
		if out.Decision == protocol.DecisionProtect && r.Protector != nil {
			r.Protector.Expect(req, &out)
		}
		return &out
	}
	if held {
		r.Log.Warn("held action blocked without a final verdict", "request_id", id, "error", context.Cause(fctx))
		local := &protocol.Verdict{RequestID: id, Decision: protocol.DecisionBlock, Message: HeldLostMessage,
			Reason:    "Blocked locally because the step-up's final verdict did not arrive: " + causeText(fctx, err) + ".",
			PolicyIDs: []string{}, EventID: localEventID(id)}
		if ctx.Err() == nil {
			r.enqueue(id, req, local)
		}
		return local
	}
	cause := "the server was unreachable"
	if errors.Is(context.Cause(fctx), errVerdictTimeout) {
		cause = errVerdictTimeout.Error()
	}
	r.Log.Warn("deciding locally", "request_id", id, "app_host", req.AppHost, "error", err)
	local := r.decideLocally(id, req, cause)
	if ctx.Err() == nil {
		r.enqueue(id, req, local)
	}
	return local
}

func (r *Relay) stepUpTimeout() time.Duration {
	if r.StepUpTimeout > 0 {
		return r.StepUpTimeout
	}
	return DefaultStepUpTimeout
}

func causeText(ctx context.Context, err error) string {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause.Error()
	}
	return err.Error()
}
