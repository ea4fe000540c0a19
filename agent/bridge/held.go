package bridge

import (
	"context"

	"parapet/protocol"
)

// HeldDecider is a Decider that can report a non-final step_up verdict,
// through interim, before the final verdict it returns. The relay
// implements it. The bridge sends both verdicts to the extension.
type HeldDecider interface {
	DecideHeld(ctx context.Context, id string, req *protocol.ActionRequest, interim func(*protocol.Verdict)) *protocol.Verdict
}

// decide returns the final verdict for req, sending a step_up verdict to
// the extension first when the decider reports one.
func (c *conn) decide(id string, req *protocol.ActionRequest) *protocol.Verdict {
	held, ok := c.srv.cfg.Decider.(HeldDecider)
	if !ok {
		return c.srv.cfg.Decider.Decide(c.ctx, id, req)
	}
	return held.DecideHeld(c.ctx, id, req, func(v *protocol.Verdict) {
		if err := c.send("", v); err != nil {
			c.srv.cfg.Log.Warn("step_up verdict not sent to extension", "request_id", id, "error", err)
		}
	})
}

// BroadcastAccess sends an access change to every connected extension.
func (s *Server) BroadcastAccess(change *protocol.AccessChanged) {
	for _, c := range s.snapshot() {
		if err := c.send("", change); err != nil {
			s.cfg.Log.Warn("access change not sent to extension", "origin", c.origin, "error", err)
		}
	}
}
