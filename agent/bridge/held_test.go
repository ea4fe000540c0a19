package bridge

import (
	"context"
	"net"
	"testing"

	"parapet/agent/inspect"
	"parapet/agent/upload"
	"parapet/protocol"
)

// heldDecider sends a step_up verdict through interim and then returns
// allow, recording the requests it saw.
type heldDecider struct{ requestDecider }

func (d *heldDecider) DecideHeld(ctx context.Context, id string, req *protocol.ActionRequest, interim func(*protocol.Verdict)) *protocol.Verdict {
	interim(&protocol.Verdict{RequestID: id, Decision: protocol.DecisionStepUp, Message: "Confirm it is you.",
		Reason: "test", PolicyIDs: []string{}, EventID: "ev-1", Link: "https://127.0.0.1/stepup/stp_1"})
	return d.Decide(ctx, id, req)
}

// startHeld runs a bridge with a heldDecider and a card detector and
// returns it with a connected extension.
func startHeld(t *testing.T) (*Server, *heldDecider, *uploadHarness) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	det, err := inspect.New(inspect.Config{Cards: true})
	if err != nil {
		t.Fatal(err)
	}
	in, err := upload.New(upload.Config{Dir: t.TempDir(), Detectors: det, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	d := &heldDecider{}
	s := New(Config{AllowedIDs: []string{pinnedID}, Decider: d, Log: discard, Uploads: in,
		DeviceID: func() string { return "dev-1" }, Policy: func() *protocol.PolicyUpdate { return nil },
		User: "alice", Software: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, d, &uploadHarness{ws: dialBridge(t, ln.Addr().(*net.TCPAddr).Port)}
}

func TestStepUpVerdictThenFinal(t *testing.T) {
	_, _, h := startHeld(t)
	send(t, h.ws, "ext-1", &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "app.corp.test",
		PageURL: "https://app.corp.test/"})
	first := expectVerdict(t, h.ws, "ext-1")
	if first.Decision != protocol.DecisionStepUp || first.Link == "" {
		t.Errorf("first verdict: got %q with link %q, want step_up with a link", first.Decision, first.Link)
	}
	if final := expectVerdict(t, h.ws, "ext-1"); final.Decision != protocol.DecisionAllow {
		t.Errorf("final verdict: got %q, want allow", final.Decision)
	}
}

func TestPasteTextInspected(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		detectors []string
	}{
		{"card number", "card 4111 1111 1111 1111 thanks", []string{inspect.DetectorCard}},
		{"plain text", "meeting notes for tuesday", nil},
	}
	_, d, h := startHeld(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "paste-" + string(rune('a'+i))
			send(t, h.ws, id, &protocol.ActionRequest{Activity: protocol.ActivityPaste, AppHost: "app.corp.test",
				PageURL: "https://app.corp.test/", Text: tt.text})
			expectVerdict(t, h.ws, id)
			expectVerdict(t, h.ws, id)
			reqs := d.requests()
			got := reqs[len(reqs)-1]
			if got.Text != "" {
				t.Errorf("text was forwarded: %q", got.Text)
			}
			if got.File == nil {
				t.Fatal("no file info in the forwarded paste")
			}
			if got.File.Name != upload.PasteFileName || got.File.Size != int64(len(tt.text)) {
				t.Errorf("got file %q of %d bytes, want %s of %d", got.File.Name, got.File.Size, upload.PasteFileName, len(tt.text))
			}
			if got.File.Inspection != protocol.InspectionComplete {
				t.Errorf("got inspection %q, want complete", got.File.Inspection)
			}
			if len(got.File.Detectors) != len(tt.detectors) || (len(tt.detectors) > 0 && got.File.Detectors[0] != tt.detectors[0]) {
				t.Errorf("got detectors %v, want %v", got.File.Detectors, tt.detectors)
			}
		})
	}
}

func TestBroadcastAccess(t *testing.T) {
	s, _, h := startHeld(t)
	receiveHello := func() {
		send(t, h.ws, "hello-1", &protocol.Hello{Peer: "extension", Software: "test"})
		if msg := receive(t, h.ws); msg.Type != protocol.TypeHello {
			t.Fatalf("got %s, want hello", msg.Type)
		}
	}
	// The hello round trip makes sure the bridge has registered the
	// connection before the broadcast.
	receiveHello()
	s.BroadcastAccess(&protocol.AccessChanged{User: "ana@corp.test", State: protocol.AccessBlocked, Message: "Blocked."})
	msg := receive(t, h.ws)
	change, ok := msg.Payload.(*protocol.AccessChanged)
	if !ok {
		t.Fatalf("got %s, want access.changed", msg.Type)
	}
	if change.State != protocol.AccessBlocked || change.Message != "Blocked." {
		t.Errorf("got %+v, want the blocked change", change)
	}
}
