package hub

import (
	"context"
	"encoding/json"
	"net/netip"
	"time"

	"parapet/protocol"
	"parapet/server/access"
	"parapet/server/anomaly"
	"parapet/server/policy"
	"parapet/server/store"
)

// Codes recorded in the activity log besides the policy engine's.
const (
	// CodeUserBlocked means an admin or anomaly detection blocked the
	// user, so no policy was evaluated.
	CodeUserBlocked = "user_blocked"
	// CodeSignInRequired means a step_up policy matched an action
	// without a valid session token.
	CodeSignInRequired = "sign_in_required"
	// CodeStepUpPassed and CodeStepUpFailed mark the final decision
	// of a held action.
	CodeStepUpPassed = "step_up_passed"
	CodeStepUpFailed = "step_up_failed"
)

// Messages of verdicts the hub makes itself.
const (
	SignInRequiredMessage = "Sign in to Parapet from the extension to continue, then try again."
	StepUpMessage         = "Confirm it is you to continue: open the link and verify with your second factor."
)

// handleAction decides one action and sends its verdict. A step_up
// decision for a signed-in user holds the action and sends a second
// verdict when the step-up ends (see holdForStepUp).
func (l *link) handleAction(ctx context.Context, requestID string, req *protocol.ActionRequest, now time.Time) {
	set := l.hub.Policies().Set
	appID := ""
	if app := set.AppForHost(req.AppHost); app != nil {
		appID = app.ID
	}
	who := l.resolveSubject(ctx, req.SessionToken, appID)
	if id := l.hub.identity(); id != nil && id.Access != nil {
		block, blocked, err := id.Access.Check(ctx, who.email)
		if err != nil {
			// A store failure must not lift a block, so the agent gets
			// the same error as for a failure to log the action.
			l.log.Error("checking user block", "request_id", requestID, "user", who.email, "error", err)
			l.sendBody(&protocol.Error{Code: CodeInternal, RefID: requestID,
				Message: "the server could not check this user's access, so it sent no verdict"})
			return
		}
		if blocked {
			l.sendBlocked(ctx, requestID, req, now, who, appID, block)
			return
		}
	}

	result := set.Explain(l.policyInput(req, now, who))
	for _, w := range result.WouldHave {
		l.log.Info("test-mode policy matched", "request_id", requestID, "policy_id", w.Policy, "code", w.Code)
	}
	if result.Decision == protocol.DecisionStepUp {
		if who.session == nil {
			result.Decision = protocol.DecisionBlock
			result.Message = SignInRequiredMessage
			result.Reason += " The action carried no valid Parapet session, so the user cannot step up."
			l.decide(ctx, requestID, req, now, who, result, []string{CodeSignInRequired})
			return
		}
		l.holdForStepUp(ctx, requestID, req, now, who, result)
		return
	}
	l.decide(ctx, requestID, req, now, who, result, nil)
}

// decide turns result into a verdict, logs it and sends it. extraCodes
// are added to the activity's reason codes. It returns the logged
// activity id, or "" when logging failed and no verdict was sent.
func (l *link) decide(ctx context.Context, requestID string, req *protocol.ActionRequest, now time.Time,
	who subject, result policy.Result, extraCodes []string) string {
	set := l.hub.Policies().Set
	verdict := &protocol.Verdict{RequestID: requestID, Decision: result.Decision, Message: result.Message,
		Reason: result.Reason, PolicyIDs: result.PolicyIDs, Fix: result.Params.Fix, Link: result.Params.Link}
	if result.Decision == protocol.DecisionProtect {
		// NOTE: encrypt: user still encrypts to the device's enrolled user,
		// not to the signed-in user, because protection reads l.device.
		protection, err := l.protection(set, result.Params)
		if err != nil {
			// Without the protection the file would land unprotected, so
			// the action is blocked instead, and the log says why.
			l.log.Error("preparing protection", "request_id", requestID, "policy_id", result.Policy, "error", err)
			verdict.Decision = protocol.DecisionBlock
			verdict.Message = "Parapet could not protect this file, so the download is blocked. Contact IT."
			verdict.Reason = result.Reason + " The protection could not be prepared: " + err.Error() + "."
		} else {
			verdict.Protect = protection
		}
	}
	explain, err := json.Marshal(result.Explain())
	if err != nil {
		l.log.Error("encoding explanation", "request_id", requestID, "error", err)
	}
	a := l.activity(req, requestID, now)
	a.User = who.email
	a.AppID = result.App
	a.Decision = string(verdict.Decision)
	a.PolicyIDs = result.PolicyIDs
	a.Reason = verdict.Reason
	a.Codes = append(result.Codes(), extraCodes...)
	a.Explain = explain
	a.DecidedBy = store.DecidedByServer
	return l.logAndSend(ctx, a, req, verdict)
}

// logAndSend stores the activity, passes it to anomaly detection and
// sends the verdict with its event id. When the activity itself makes
// anomaly detection block its user, such as the 21st download within a
// minute, the row and the verdict become a block. Without a stored
// activity the agent gets an error instead of a verdict and decides by
// itself.
func (l *link) logAndSend(ctx context.Context, a store.Activity, req *protocol.ActionRequest, verdict *protocol.Verdict) string {
	if _, err := l.hub.store.InsertActivity(ctx, a); err != nil {
		l.log.Error("logging activity", "request_id", a.RequestID, "error", err)
		l.sendBody(&protocol.Error{Code: CodeInternal, RefID: verdict.RequestID,
			Message: "the server could not log this action, so it sent no verdict"})
		return ""
	}
	verdict.EventID = a.ID
	if id := l.hub.identity(); id != nil && id.Access != nil {
		alerts := id.Access.Observe(ctx, access.Observation{Activity: a, Sensitive: anomaly.Sensitive(req.File)})
		if verdict.Decision != protocol.DecisionBlock && verdict.Decision != protocol.DecisionStepUp {
			l.blockIfTripped(ctx, id.Access, a, verdict, alerts)
		}
	}
	l.sendBody(verdict)
	return a.ID
}

// blockIfTripped turns verdict into a block when one of alerts blocked
// the activity's user, and records the block on the logged activity.
func (l *link) blockIfTripped(ctx context.Context, acc *access.Service, a store.Activity, verdict *protocol.Verdict, alerts []store.Alert) {
	for _, alert := range alerts {
		if alert.Action != string(anomaly.ActionBlockUser) {
			continue
		}
		block := access.Block{Source: access.SourceAnomaly, Reason: alert.Reason, Until: alert.BlockedUntil}
		reason := "User " + a.User + " is blocked by anomaly detection: " + alert.Reason
		if err := acc.Store.BlockActivity(ctx, a.ID, reason, append(a.Codes, CodeUserBlocked)); err != nil {
			l.log.Error("recording anomaly block on activity", "event_id", a.ID, "alert_id", alert.ID, "error", err)
		}
		verdict.Decision = protocol.DecisionBlock
		verdict.Message = block.Message()
		verdict.Reason = reason
		verdict.Protect = nil
		verdict.Fix, verdict.Link = "", ""
		return
	}
}

// sendBlocked sends a block verdict for an action of a blocked user
// without evaluating the policies.
func (l *link) sendBlocked(ctx context.Context, requestID string, req *protocol.ActionRequest, now time.Time,
	who subject, appID string, block access.Block) {
	reason := "User " + who.email + " is blocked by an admin: " + block.Reason
	if block.Source == access.SourceAnomaly {
		reason = "User " + who.email + " is blocked by anomaly detection: " + block.Reason
	}
	verdict := &protocol.Verdict{RequestID: requestID, Decision: protocol.DecisionBlock, Message: block.Message(),
		Reason: reason, PolicyIDs: []string{}}
	a := l.activity(req, requestID, now)
	a.User = who.email
	a.AppID = appID
	a.Decision = string(protocol.DecisionBlock)
	a.Reason = reason
	a.Codes = []string{CodeUserBlocked}
	a.DecidedBy = store.DecidedByServer
	l.logAndSend(ctx, a, req, verdict)
}

// policyInput returns the facts the policies match on: the action, the
// user it is decided for and their session, the link's device, its
// source address and the latest posture.
func (l *link) policyInput(req *protocol.ActionRequest, now time.Time, who subject) *policy.Input {
	in := &policy.Input{
		Request: req,
		User:    who.user,
		Session: who.facts(),
		Device: policy.DeviceFacts{ID: l.device.ID, Enrolled: true, Managed: l.device.Managed,
			Posture: l.posture},
		Time: now,
	}
	if f := req.File; f != nil {
		in.File.Detectors = f.Detectors
		if f.Label != nil {
			in.File.LabelID = f.Label.ID
			in.File.LabelTenant = f.Label.TenantID
		}
	}
	if ip, err := netip.ParseAddr(l.sourceIP); err == nil {
		in.SourceIP = ip
	}
	return in
}
