package uplink

import (
	"context"
	"net"
	"testing"
	"time"

	"parapet/protocol"
)

func TestSourceIPBindsConnection(t *testing.T) {
	f := newFakeServer(t)
	startClient(t, f, t.TempDir(), func(c *Config) { c.SourceIP = "127.0.0.2" })
	f.accept(t)
	select {
	case addr := <-f.remoteAddrs:
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		if host != "127.0.0.2" {
			t.Errorf("server saw source %s, want 127.0.0.2", host)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
}

func TestSourceIPInvalid(t *testing.T) {
	if _, err := sourceDialer("not-an-ip"); err == nil {
		t.Error("got no error for an invalid source IP")
	}
}

func TestAccessChangedRelayed(t *testing.T) {
	f := newFakeServer(t)
	changes := make(chan *protocol.AccessChanged, 1)
	startClient(t, f, t.TempDir(), func(c *Config) {
		c.OnAccessChanged = func(a *protocol.AccessChanged) { changes <- a }
	})
	ws := f.accept(t)
	write(t, ws, &protocol.AccessChanged{User: "ana@corp.test", State: protocol.AccessBlocked, Message: "Blocked."})
	select {
	case a := <-changes:
		if a.State != protocol.AccessBlocked || a.User != "ana@corp.test" {
			t.Errorf("got %+v, want blocked for ana@corp.test", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("access.changed not passed on")
	}
}

func TestForwardHeldWaitsForFinalVerdict(t *testing.T) {
	tests := []struct {
		name  string
		final protocol.Decision
	}{
		{"allow after step-up", protocol.DecisionAllow},
		{"block after failure", protocol.DecisionBlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t)
			h := startClient(t, f, t.TempDir())
			ws := f.accept(t)
			waitFor(t, "connection", h.client.Connected)

			interims := make(chan *protocol.Verdict, 2)
			done := make(chan *protocol.Verdict, 1)
			go func() {
				v, err := h.client.ForwardHeld(context.Background(), &protocol.ActionRequest{Activity: protocol.ActivityDownload,
					AppHost: "app.corp.test", PageURL: "https://app.corp.test/"}, func(v *protocol.Verdict) { interims <- v })
				if err != nil {
					t.Errorf("ForwardHeld: %v", err)
				}
				done <- v
			}()
			msg := read(t, ws)
			write(t, ws, &protocol.Verdict{RequestID: msg.ID, Decision: protocol.DecisionStepUp, Reason: "r", PolicyIDs: []string{},
				EventID: "act-1", Link: "https://127.0.0.1/stepup/stp_1"})
			select {
			case v := <-interims:
				if v.Decision != protocol.DecisionStepUp {
					t.Errorf("interim: got %q, want step_up", v.Decision)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no interim verdict")
			}
			select {
			case v := <-done:
				t.Fatalf("ForwardHeld returned %+v before the final verdict", v)
			case <-time.After(50 * time.Millisecond):
			}
			write(t, ws, &protocol.Verdict{RequestID: msg.ID, Decision: tt.final, Reason: "r", PolicyIDs: []string{}, EventID: "act-2"})
			select {
			case v := <-done:
				if v == nil || v.Decision != tt.final || v.EventID != "act-2" {
					t.Errorf("final: got %+v, want %s with event act-2", v, tt.final)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no final verdict")
			}
		})
	}
}

func TestForwardTakesStepUpAsFinal(t *testing.T) {
	f := newFakeServer(t)
	h := startClient(t, f, t.TempDir())
	ws := f.accept(t)
	waitFor(t, "connection", h.client.Connected)
	done := make(chan *protocol.Verdict, 1)
	go func() {
		v, _ := h.client.Forward(context.Background(), &protocol.ActionRequest{Activity: protocol.ActivityDownload,
			AppHost: "app.corp.test", PageURL: "https://app.corp.test/"})
		done <- v
	}()
	msg := read(t, ws)
	write(t, ws, &protocol.Verdict{RequestID: msg.ID, Decision: protocol.DecisionStepUp, Reason: "r", PolicyIDs: []string{}, EventID: "act-1"})
	select {
	case v := <-done:
		if v == nil || v.Decision != protocol.DecisionStepUp {
			t.Errorf("got %+v, want the step_up verdict", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Forward did not return")
	}
}
