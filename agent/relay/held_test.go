package relay

import (
	"context"
	"testing"
	"time"

	"parapet/protocol"
)

// heldForwarder sends a step_up verdict to interim after interimAfter,
// when that is set. It then returns final after finalAfter, or without a
// final verdict waits for ctx.
type heldForwarder struct {
	interimAfter, finalAfter time.Duration
	final                    *protocol.Verdict
}

func (h *heldForwarder) Forward(ctx context.Context, req *protocol.ActionRequest) (*protocol.Verdict, error) {
	return h.ForwardHeld(ctx, req, func(*protocol.Verdict) {})
}

func (h *heldForwarder) ForwardHeld(ctx context.Context, _ *protocol.ActionRequest, interim func(*protocol.Verdict)) (*protocol.Verdict, error) {
	if h.interimAfter > 0 {
		select {
		case <-time.After(h.interimAfter):
			interim(&protocol.Verdict{RequestID: "server-id", Decision: protocol.DecisionStepUp, Reason: "r",
				PolicyIDs: []string{}, EventID: "act-1", Link: "https://127.0.0.1/stepup/stp_1"})
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if h.final == nil {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	select {
	case <-time.After(h.finalAfter):
		return h.final, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestDecideHeld(t *testing.T) {
	allow := &protocol.Verdict{RequestID: "server-id", Decision: protocol.DecisionAllow, Reason: "r", PolicyIDs: []string{}, EventID: "act-2"}
	tests := []struct {
		name        string
		up          *heldForwarder
		wantInterim bool
		want        protocol.Decision
		wantMessage string
	}{
		// The final verdict comes after the verdict timeout of 50ms, which
		// the step_up verdict extended.
		{"final after step-up", &heldForwarder{interimAfter: 10 * time.Millisecond, finalAfter: 150 * time.Millisecond, final: allow},
			true, protocol.DecisionAllow, ""},
		{"final never arrives", &heldForwarder{interimAfter: 10 * time.Millisecond}, true, protocol.DecisionBlock, HeldLostMessage},
		{"no verdict at all", &heldForwarder{}, false, protocol.DecisionAllow, ""},
		{"immediate verdict", &heldForwarder{final: allow}, false, protocol.DecisionAllow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRelay(t, tt.up)
			r.StepUpTimeout = 400 * time.Millisecond
			var interims []*protocol.Verdict
			v := r.DecideHeld(context.Background(), "ext-1", request("wiki.corp.test"), func(v *protocol.Verdict) {
				interims = append(interims, v)
			})
			if got := len(interims) == 1; got != tt.wantInterim {
				t.Fatalf("got %d interim verdicts, want interim %v", len(interims), tt.wantInterim)
			}
			if tt.wantInterim && interims[0].RequestID != "ext-1" {
				t.Errorf("interim: got request id %q, want ext-1", interims[0].RequestID)
			}
			if v.Decision != tt.want {
				t.Errorf("got decision %q (%s), want %q", v.Decision, v.Reason, tt.want)
			}
			if v.Message != tt.wantMessage {
				t.Errorf("got message %q, want %q", v.Message, tt.wantMessage)
			}
			if v.RequestID != "ext-1" {
				t.Errorf("got request id %q, want ext-1", v.RequestID)
			}
			if err := v.Validate(); err != nil {
				t.Errorf("verdict is invalid: %v", err)
			}
		})
	}
}
