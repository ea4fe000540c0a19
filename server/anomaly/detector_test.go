package anomaly

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"parapet/protocol"
)

func TestBlockUser(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.Action = ActionBlockUser
	cfg.MassDownload.BlockFor = Duration(10 * time.Minute)
	cfg.MassDownload.MaxFiles = 1
	d, clock := newTestDetector(t, cfg)

	if _, blocked := d.BlockedUntil("ana@corp.test"); blocked {
		t.Fatal("unknown user: got blocked, want not blocked")
	}
	d.Observe(download("ana@corp.test", "dev-1", "act-1", 10, clock.Now()))
	got := d.Observe(download("ana@corp.test", "dev-1", "act-2", 10, clock.Now()))
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1", len(got))
	}
	want := clock.Now().Add(10 * time.Minute)
	if got[0].Action != ActionBlockUser {
		t.Errorf("action: got %s, want %s", got[0].Action, ActionBlockUser)
	}
	if !got[0].BlockedUntil.Equal(want) {
		t.Errorf("finding's BlockedUntil: got %v, want %v", got[0].BlockedUntil, want)
	}
	until, blocked := d.BlockedUntil("ana@corp.test")
	if !blocked || !until.Equal(want) {
		t.Errorf("BlockedUntil: got %v, %v, want %v, true", until, blocked, want)
	}
	if _, blocked := d.BlockedUntil("bob@corp.test"); blocked {
		t.Error("other user: got blocked, want not blocked")
	}

	clock.Advance(10*time.Minute - time.Nanosecond)
	if _, blocked := d.BlockedUntil("ana@corp.test"); !blocked {
		t.Error("1ns before the end: got not blocked, want blocked")
	}
	clock.Advance(time.Nanosecond)
	if _, blocked := d.BlockedUntil("ana@corp.test"); blocked {
		t.Error("at the end: got blocked, want not blocked")
	}
}

func TestBlockExtends(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.Action = ActionBlockUser
	cfg.MassDownload.MaxFiles = 1
	cfg.SensitiveUpload.Action = ActionBlockUser
	cfg.SensitiveUpload.BlockFor = Duration(time.Hour)
	cfg.SensitiveUpload.MaxUploads = 1
	d, clock := newTestDetector(t, cfg)

	d.Observe(upload("ana@corp.test", "act-1", true, clock.Now()))
	d.Observe(upload("ana@corp.test", "act-2", true, clock.Now()))
	want := clock.Now().Add(time.Hour)
	clock.Advance(time.Minute)
	// The 15-minute block of the mass download ends before the hour.
	d.Observe(download("ana@corp.test", "dev-1", "act-3", 10, clock.Now()))
	d.Observe(download("ana@corp.test", "dev-1", "act-4", 10, clock.Now()))
	if until, _ := d.BlockedUntil("ana@corp.test"); !until.Equal(want) {
		t.Errorf("BlockedUntil: got %v, want the longer block's end %v", until, want)
	}
}

func TestUnblock(t *testing.T) {
	cfg := alertOnly()
	cfg.RepeatedBlocks.Action = ActionBlockUser
	cfg.RepeatedBlocks.MaxBlocks = 1
	d, clock := newTestDetector(t, cfg)
	for _, id := range []string{"act-1", "act-2"} {
		ev := download("ana@corp.test", "dev-1", id, 10, clock.Now())
		ev.Decision = protocol.DecisionBlock
		d.Observe(ev)
	}
	if got := d.Unblock("ana@corp.test"); !got {
		t.Errorf("Unblock of a blocked user: got %v, want true", got)
	}
	if _, blocked := d.BlockedUntil("ana@corp.test"); blocked {
		t.Error("after Unblock: got blocked, want not blocked")
	}
	if got := d.Unblock("ana@corp.test"); got {
		t.Errorf("second Unblock: got %v, want false", got)
	}
	if got := d.Unblock("nobody@corp.test"); got {
		t.Errorf("Unblock of an unknown user: got %v, want false", got)
	}
}

func TestResponseFromConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NewDevice.Severity = SeverityHigh
	d, clock := newTestDetector(t, cfg)
	d.Observe(signIn("ana@corp.test", "dev-1", "198.51.100.7", "act-1", clock.Now()))
	got := d.Observe(signIn("ana@corp.test", "dev-2", "198.51.100.7", "act-2", clock.Now()))
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1", len(got))
	}
	if got[0].Action != ActionStepUp {
		t.Errorf("action: got %s, want the default %s", got[0].Action, ActionStepUp)
	}
	if got[0].Severity != SeverityHigh {
		t.Errorf("severity: got %s, want %s", got[0].Severity, SeverityHigh)
	}
	if !got[0].BlockedUntil.IsZero() {
		t.Errorf("BlockedUntil of a step-up: got %v, want zero", got[0].BlockedUntil)
	}
	if _, blocked := d.BlockedUntil("ana@corp.test"); blocked {
		t.Error("after a step-up finding: got blocked, want not blocked")
	}
}

func TestLearnReportsNothing(t *testing.T) {
	cfg := DefaultConfig()
	d, clock := newTestDetector(t, cfg)
	var ids sequence
	d.Learn(signIn("ana@corp.test", "dev-1", "198.51.100.7", ids.next(), clock.Now()))
	for range 19 {
		d.Learn(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
	}
	d.Learn(signIn("ana@corp.test", "dev-2", "203.0.113.1", ids.next(), clock.Now()))
	d.Learn(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
	if _, blocked := d.BlockedUntil("ana@corp.test"); blocked {
		t.Error("after Learn: got blocked, want not blocked")
	}
	got := d.Observe(download("ana@corp.test", "dev-2", ids.next(), 10, clock.Now()))
	if want := []DetectorID{DetectorMassDownload}; fmt.Sprint(detectorsOf(got)) != fmt.Sprint(want) {
		t.Errorf("first Observe after Learn: got %v, want %v", detectorsOf(got), want)
	}
}

func TestEventWithoutUserIgnored(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	for range 30 {
		if got := d.Observe(download("", "dev-1", "act", 10, clock.Now())); got != nil {
			t.Fatalf("event without user: got %v, want nil", detectorsOf(got))
		}
	}
	if n := d.Users(); n != 0 {
		t.Errorf("users: got %d, want 0", n)
	}
}

func TestSweepForgetsIdleUsers(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	d.Observe(download("ana@corp.test", "dev-1", "act-1", 10, clock.Now()))
	ev := download("bob@corp.test", "dev-1", "act-2", 10, clock.Now())
	d.Observe(ev)
	clock.Advance(2 * time.Minute)
	d.Sweep()
	if n := d.Users(); n != 2 {
		t.Fatalf("users after the windows expired: got %d, want 2 with remembered ranges", n)
	}
	s := d.shardFor("ana@corp.test")
	if events := s.users["ana@corp.test"].events; events != nil {
		t.Errorf("events after the window: got %d entries, cap %d, want nil", len(events), cap(events))
	}
	clock.Advance(30 * 24 * time.Hour)
	d.Sweep()
	if n := d.Users(); n != 0 {
		t.Errorf("users after the ranges were forgotten: got %d, want 0", n)
	}
}

func TestSweepKeepsBlockedUsers(t *testing.T) {
	cfg := alertOnly()
	cfg.NewIPRange.Disabled = true
	cfg.MassDownload.Action = ActionBlockUser
	cfg.MassDownload.BlockFor = Duration(time.Hour)
	cfg.MassDownload.MaxFiles = 1
	d, clock := newTestDetector(t, cfg)
	d.Observe(download("ana@corp.test", "dev-1", "act-1", 10, clock.Now()))
	d.Observe(download("ana@corp.test", "dev-1", "act-2", 10, clock.Now()))
	clock.Advance(30 * time.Minute)
	d.Sweep()
	if _, blocked := d.BlockedUntil("ana@corp.test"); !blocked {
		t.Error("blocked user after a sweep: got not blocked, want blocked")
	}
	clock.Advance(30 * time.Minute)
	d.Sweep()
	if n := d.Users(); n != 0 {
		t.Errorf("users after the block ended: got %d, want 0", n)
	}
}

func TestObserveSweepsShard(t *testing.T) {
	cfg := alertOnly()
	cfg.NewIPRange.Disabled = true
	d, clock := newTestDetector(t, cfg)
	for i := range 1000 {
		d.Observe(download(fmt.Sprintf("user%d@corp.test", i), "dev-1", "act", 10, clock.Now()))
	}
	clock.Advance(2 * time.Minute)
	for i := range 1000 {
		d.Observe(download(fmt.Sprintf("later%d@corp.test", i), "dev-1", "act", 10, clock.Now()))
	}
	if n := d.Users(); n >= 2000 {
		t.Errorf("users: got %d, want fewer than 2000 once Observe swept idle users", n)
	}
}

// TestConcurrentObserve runs under -race. Every download is in one window,
// so 8 goroutines with 21 downloads each make exactly 8 findings whatever
// the interleaving.
func TestConcurrentObserve(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	const workers, perWorker = 8, 21
	var mu sync.Mutex
	findings := 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			local := 0
			for i := range perWorker {
				id := fmt.Sprintf("act-%d-%d", w, i)
				local += len(only(d.Observe(download("ana@corp.test", fmt.Sprintf("dev-%d", w), id, 10, clock.Now())), DetectorMassDownload))
				d.Observe(download(fmt.Sprintf("user%d-%d@corp.test", w, i), "dev-1", id, 10, clock.Now()))
				d.BlockedUntil("ana@corp.test")
				d.Unblock(fmt.Sprintf("user%d-%d@corp.test", w, i))
			}
			mu.Lock()
			findings += local
			mu.Unlock()
		})
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 20 {
			d.Sweep()
			d.Users()
		}
	}()
	wg.Wait()
	if findings != workers {
		t.Errorf("mass download findings: got %d, want %d", findings, workers)
	}
}
