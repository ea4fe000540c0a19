package hub

import (
	"context"
	"strconv"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/identity/stepup"
	"parapet/server/policy"
)

// Block messages of a held action whose step-up did not pass, by status.
var stepUpFailedMessages = map[stepup.Status]string{
	stepup.StatusFailed:   "Step-up failed after too many wrong attempts, so this action is blocked.",
	stepup.StatusExpired:  "Step-up timed out, so this action is blocked. Try the action again.",
	stepup.StatusCanceled: "Step-up was canceled, so this action is blocked. Try the action again.",
}

// holdForStepUp registers the action in the step-up registry, logs and
// sends the step_up verdict with the step-up page's link, and waits for
// the outcome in another goroutine, so the link's read loop goes on.
func (l *link) holdForStepUp(ctx context.Context, requestID string, req *protocol.ActionRequest, now time.Time,
	who subject, result policy.Result) {
	id := l.hub.identity()
	held, err := id.Registry.Hold(ctx, stepup.HoldRequest{UserID: who.user.ID, SessionID: who.session.ID,
		RequestID: requestID, Reason: result.Reason})
	if err != nil {
		l.log.Error("holding action for step-up", "request_id", requestID, "error", err)
		l.sendBody(&protocol.Error{Code: CodeInternal, RefID: requestID,
			Message: "the server could not hold this action for step-up, so it sent no verdict"})
		return
	}
	if result.Message == "" {
		result.Message = StepUpMessage
	}
	if result.Params.Link == "" {
		result.Params.Link = strings.TrimRight(id.PublicURL, "/") + stepup.URL(held.ID)
	}
	if l.decide(ctx, requestID, req, now, who, result, nil) == "" {
		id.Registry.Cancel(held.ID)
		return
	}
	in := l.policyInput(req, now, who)
	go l.awaitStepUp(id, held, req, in, who, result.PolicyIDs)
}

// awaitStepUp waits until the held action is decided and sends the final
// verdict: the policies evaluated again with the session's new
// authentication after a pass, or a block. When the link closes first,
// it cancels the action, because no verdict can reach the agent.
func (l *link) awaitStepUp(id *Identity, held stepup.Action, req *protocol.ActionRequest, in *policy.Input,
	who subject, policyIDs []string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-l.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	final, err := id.Registry.Wait(ctx, held.ID)
	if err != nil {
		id.Registry.Cancel(held.ID)
		l.log.Info("link closed during step-up, held action canceled", "action_id", held.ID, "request_id", held.RequestID)
		return
	}

	dbCtx, dbCancel := context.WithTimeout(ctx, storeTimeout)
	defer dbCancel()
	now := time.Now()
	if final.Status == stepup.StatusSatisfied {
		if fresh, err := id.Sessions.Get(dbCtx, held.SessionID); err == nil {
			who.session = &fresh
		} else {
			l.log.Error("reading session after step-up", "session_id", held.SessionID, "error", err)
		}
		in.Session = who.facts()
		in.Time = now
		result := l.hub.Policies().Set.Explain(in)
		if result.Decision == protocol.DecisionStepUp {
			// The session authenticated just now, so only a policy whose
			// max_age is shorter than the time since can still ask.
			result.Decision = protocol.DecisionBlock
			result.Message = stepUpFailedMessages[stepup.StatusExpired]
		}
		result.Reason = "Step-up passed with " + final.Method + ". " + result.Reason
		l.decide(dbCtx, held.RequestID, req, now, who, result, []string{CodeStepUpPassed})
		return
	}
	message, ok := stepUpFailedMessages[final.Status]
	if !ok {
		message = stepUpFailedMessages[stepup.StatusCanceled]
	}
	result := policy.Result{Decision: protocol.DecisionBlock, Code: policy.CodePolicyMatched, Message: message,
		Reason: "Step-up ended with status " + string(final.Status) + " after " + pluralAttempts(final.Attempts) +
			", so the held action is blocked.", PolicyIDs: policyIDs}
	if app := l.hub.Policies().Set.AppForHost(req.AppHost); app != nil {
		result.App = app.ID
	}
	l.decide(dbCtx, held.RequestID, req, now, who, result, []string{CodeStepUpFailed})
}

func pluralAttempts(n int) string {
	if n == 1 {
		return "1 failed attempt"
	}
	return strconv.Itoa(n) + " failed attempts"
}
