// Package relay decides an extension's action request: it asks the server
// through the uplink and, when the server cannot answer in time, decides
// locally from the cached policy and queues the decision for the server.
package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"parapet/agent/policy"
	"parapet/agent/queue"
	"parapet/protocol"
)

// Forwarder sends a request to the server and returns its verdict. The
// uplink implements it.
type Forwarder interface {
	Forward(ctx context.Context, req *protocol.ActionRequest) (*protocol.Verdict, error)
}

// Expecter remembers a protect verdict until the downloaded file appears.
// agent/protect implements it.
type Expecter interface {
	Expect(req *protocol.ActionRequest, v *protocol.Verdict)
}

// Relay decides action requests. Its methods are safe for concurrent use.
type Relay struct {
	Uplink  Forwarder
	Policy  *policy.Cache
	Queue   *queue.Queue
	Timeout time.Duration
	// StepUpTimeout is the wait for the final verdict after a step_up
	// verdict, in DecideHeld. Zero means DefaultStepUpTimeout.
	StepUpTimeout time.Duration
	Log           *slog.Logger
	// Protector receives the server's protect verdicts on downloads, so
	// the file can be protected once it is saved. Nil ignores them.
	Protector Expecter
	// Local decides before the fail mode when the server cannot. Nil
	// keeps the fail mode.
	Local LocalDecider

	dropped atomic.Int64
}

// Decide returns the verdict for the request the extension sent under
// envelope id. The verdict's RequestID is id. Decide always returns a
// verdict: the server's, or a local one when the server is unreachable or
// does not answer within Timeout.
func (r *Relay) Decide(ctx context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict {
	fctx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	v, err := r.Uplink.Forward(fctx, req)
	if err == nil {
		out := *v
		out.RequestID = id
		if out.Decision == protocol.DecisionProtect && r.Protector != nil {
			r.Protector.Expect(req, &out)
		}
		return &out
	}
	cause := "the server was unreachable"
	if errors.Is(err, context.DeadlineExceeded) {
		cause = fmt.Sprintf("the server sent no verdict within %s", r.Timeout)
	}
	r.Log.Warn("deciding locally", "request_id", id, "app_host", req.AppHost, "error", err)
	local := r.decideLocally(id, req, cause)
	if ctx.Err() != nil {
		// The extension went away before a verdict, so the action did not
		// happen and there is nothing to report.
		return local
	}
	r.enqueue(id, req, local)
	return local
}

// decideLocally asks Local and otherwise applies the fail mode: block in
// a sensitive app, allow elsewhere.
func (r *Relay) decideLocally(id string, req *protocol.ActionRequest, cause string) *protocol.Verdict {
	if r.Local != nil {
		if v, ok := r.Local.DecideLocally(req, cause); ok {
			v.RequestID, v.EventID = id, localEventID(id)
			return v
		}
	}
	v := &protocol.Verdict{RequestID: id, PolicyIDs: []string{}, EventID: localEventID(id)}
	app, known := r.Policy.Lookup(req.AppHost)
	switch {
	case known && app.Sensitive:
		v.Decision = protocol.DecisionBlock
		v.Message = fmt.Sprintf("Parapet cannot reach its server, so this action is blocked in %s. "+
			"Try again when your connection to the company network is back.", app.ID)
		v.Reason = fmt.Sprintf("Blocked locally because %s and app %s is sensitive.", cause, app.ID)
	case known:
		v.Decision = protocol.DecisionAllow
		v.Reason = fmt.Sprintf("Allowed locally because %s and app %s is not sensitive.", cause, app.ID)
	default:
		v.Decision = protocol.DecisionAllow
		v.Reason = fmt.Sprintf("Allowed locally because %s and host %s is in no protected app.", cause, req.AppHost)
	}
	return v
}

func (r *Relay) enqueue(id string, req *protocol.ActionRequest, v *protocol.Verdict) {
	report := &protocol.ActivityReport{Request: *req, RequestID: id, Decision: v.Decision,
		Reason: v.Reason, DecidedAt: time.Now().UTC()}
	_, err := r.Queue.Append(report)
	if errors.Is(err, queue.ErrFull) {
		// Log the first drop and every 1000th, so a flood cannot fill the log.
		if n := r.dropped.Add(1); n%1000 == 1 {
			r.Log.Error("activity queue full, local decision not recorded",
				"request_id", id, "queued", r.Queue.Len(), "dropped_total", n)
		}
		return
	}
	if err != nil {
		r.Log.Error("local decision not queued", "request_id", id, "error", err)
	}
}

// localEventID returns "local-" followed by the request id. An id too long
// for that is replaced by a digest, so the result is always a valid id.
func localEventID(id string) string {
	if len("local-")+len(id) <= protocol.MaxIDLength {
		return "local-" + id
	}
	sum := sha256.Sum256([]byte(id))
	return "local-" + hex.EncodeToString(sum[:16])
}
