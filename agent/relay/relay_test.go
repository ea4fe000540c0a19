package relay

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parapet/agent/policy"
	"parapet/agent/queue"
	"parapet/agent/uplink"
	"parapet/protocol"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func newRelay(t *testing.T, up Forwarder) *Relay {
	t.Helper()
	dir := t.TempDir()
	cache, err := policy.Open(filepath.Join(dir, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	cache.Set(&protocol.PolicyUpdate{Revision: 1, Apps: []protocol.App{
		{ID: "payroll", Hosts: []string{"payroll.corp.test"}, Sensitive: true},
		{ID: "wiki", Hosts: []string{"wiki.corp.test"}},
	}})
	q, err := queue.Open(filepath.Join(dir, "queue"), queue.DefaultLimits, discard)
	if err != nil {
		t.Fatal(err)
	}
	return &Relay{Uplink: up, Policy: cache, Queue: q, Timeout: 50 * time.Millisecond, Log: discard}
}

func request(host string) *protocol.ActionRequest {
	return &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: host, PageURL: "https://" + host + "/", TabID: 2}
}

func TestFailModeDisconnected(t *testing.T) {
	// A client that never ran is not connected, like one whose server is down.
	up := uplink.New(uplink.Config{Log: discard})
	cases := []struct {
		host     string
		decision protocol.Decision
		message  string
		reason   string
	}{
		{"payroll.corp.test", protocol.DecisionBlock,
			"Parapet cannot reach its server, so this action is blocked in payroll. Try again when your connection to the company network is back.",
			"unreachable and app payroll is sensitive"},
		{"wiki.corp.test", protocol.DecisionAllow, "", "app wiki is not sensitive"},
		{"example.test", protocol.DecisionAllow, "", "in no protected app"},
	}
	for i, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			r := newRelay(t, up)
			id := "ext-" + string(rune('a'+i))
			v := r.Decide(context.Background(), id, request(c.host))
			if err := v.Validate(); err != nil {
				t.Fatalf("verdict is invalid: %v", err)
			}
			if v.Decision != c.decision {
				t.Errorf("got decision %s, want %s", v.Decision, c.decision)
			}
			if v.Message != c.message {
				t.Errorf("got message %q, want %q", v.Message, c.message)
			}
			if !strings.Contains(v.Reason, c.reason) {
				t.Errorf("got reason %q, want it to contain %q", v.Reason, c.reason)
			}
			if v.RequestID != id || v.EventID != "local-"+id {
				t.Errorf("got request_id %q event_id %q, want %s and local-%s", v.RequestID, v.EventID, id, id)
			}
			item, ok := r.Queue.After("")
			if !ok {
				t.Fatal("local decision not queued")
			}
			if item.Report.RequestID != id || item.Report.Decision != c.decision || item.Report.Request.AppHost != c.host {
				t.Errorf("got queued %+v, want request %s decided %s", item.Report, id, c.decision)
			}
		})
	}
}

type stalled struct{}

func (stalled) Forward(ctx context.Context, _ *protocol.ActionRequest) (*protocol.Verdict, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestFailModeTimeout(t *testing.T) {
	r := newRelay(t, stalled{})
	v := r.Decide(context.Background(), "ext-1", request("payroll.corp.test"))
	if v.Decision != protocol.DecisionBlock {
		t.Errorf("got %s, want block", v.Decision)
	}
	if !strings.Contains(v.Reason, "no verdict within") {
		t.Errorf("got reason %q, want it to name the timeout", v.Reason)
	}
	if r.Queue.Len() != 1 {
		t.Errorf("got %d queued, want 1", r.Queue.Len())
	}
}

type answering struct{}

func (answering) Forward(_ context.Context, req *protocol.ActionRequest) (*protocol.Verdict, error) {
	return &protocol.Verdict{RequestID: "agent-xyz", Decision: protocol.DecisionWarn, Reason: "policy p1",
		PolicyIDs: []string{"p1"}, EventID: "act-9"}, nil
}

func TestServerVerdictPassedOn(t *testing.T) {
	r := newRelay(t, answering{})
	v := r.Decide(context.Background(), "ext-2", request("payroll.corp.test"))
	if v.RequestID != "ext-2" {
		t.Errorf("got request_id %q, want ext-2", v.RequestID)
	}
	if v.Decision != protocol.DecisionWarn || v.EventID != "act-9" {
		t.Errorf("got %+v, want the server's warn verdict", v)
	}
	if r.Queue.Len() != 0 {
		t.Errorf("got %d queued, want 0 for a server decision", r.Queue.Len())
	}
}

func TestLocalEventIDLong(t *testing.T) {
	id := strings.Repeat("a", protocol.MaxIDLength)
	got := localEventID(id)
	if !protocol.ValidID(got) || !strings.HasPrefix(got, "local-") {
		t.Errorf("got %q, want a valid id starting with local-", got)
	}
}
