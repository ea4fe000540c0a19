package relay

import (
	"context"
	"testing"

	"parapet/protocol"
)

type protecting struct{}

func (protecting) Forward(_ context.Context, _ *protocol.ActionRequest) (*protocol.Verdict, error) {
	return &protocol.Verdict{RequestID: "agent-1", Decision: protocol.DecisionProtect, Reason: "label downloads",
		PolicyIDs: []string{"p2"}, EventID: "act-3", Protect: &protocol.Protection{
			Label:   protocol.FileLabel{ID: "2096f6a2-d2f7-48be-b329-b73aaa526e5d", TenantID: "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11"},
			Encrypt: protocol.EncryptNone}}, nil
}

type expecter struct{ got []*protocol.Verdict }

func (e *expecter) Expect(_ *protocol.ActionRequest, v *protocol.Verdict) { e.got = append(e.got, v) }

func TestProtectVerdictExpected(t *testing.T) {
	cases := []struct {
		name string
		up   Forwarder
		want int
	}{
		{"protect", protecting{}, 1},
		{"warn", answering{}, 0},
		{"offline", stalled{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRelay(t, c.up)
			e := &expecter{}
			r.Protector = e
			r.Decide(context.Background(), "ext-5", request("wiki.corp.test"))
			if len(e.got) != c.want {
				t.Fatalf("got %d expected verdicts, want %d", len(e.got), c.want)
			}
			if c.want == 1 && (e.got[0].RequestID != "ext-5" || e.got[0].EventID != "act-3") {
				t.Errorf("got verdict %+v, want request ext-5 and event act-3", e.got[0])
			}
		})
	}
}
