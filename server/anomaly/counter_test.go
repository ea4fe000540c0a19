package anomaly

import (
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/protocol"
)

func TestMassDownloadTripsAfterMax(t *testing.T) {
	tests := []struct {
		name     string
		maxFiles int
	}{
		{"default 20", 0},
		{"max 1", 1},
		{"max 5", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := alertOnly()
			cfg.MassDownload.MaxFiles = tt.maxFiles
			d, clock := newTestDetector(t, cfg)
			limit := d.Config().MassDownload.MaxFiles
			var ids sequence
			for i := 1; i <= limit; i++ {
				got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
				if len(got) != 0 {
					t.Fatalf("download %d of max %d: got findings %v, want none", i, limit, detectorsOf(got))
				}
				clock.Advance(time.Second / 10)
			}
			got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
			if len(got) != 1 {
				t.Fatalf("download %d: got %d findings, want 1", limit+1, len(got))
			}
			if got[0].Detector != DetectorMassDownload {
				t.Errorf("detector: got %s, want %s", got[0].Detector, DetectorMassDownload)
			}
			if len(got[0].Evidence) != limit+1 {
				t.Errorf("evidence: got %d ids, want %d", len(got[0].Evidence), limit+1)
			}
		})
	}
}

func TestMassDownloadCountsAcrossDevices(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	var ids sequence
	devices := []string{"dev-laptop", "dev-desktop", "dev-tablet"}
	var findings []Finding
	for i := range 21 {
		findings = append(findings, d.Observe(download("ana@corp.test", devices[i%3], ids.next(), 10, clock.Now()))...)
		clock.Advance(time.Second)
	}
	if len(findings) != 1 {
		t.Fatalf("got %d findings over 3 devices, want 1", len(findings))
	}
	if findings[0].DeviceID != "dev-tablet" {
		t.Errorf("device: got %s, want dev-tablet, the device of download 21", findings[0].DeviceID)
	}
}

func TestMassDownloadCountsPerUser(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	var ids sequence
	for i := range 40 {
		user := "ana@corp.test"
		if i%2 == 1 {
			user = "bob@corp.test"
		}
		if got := d.Observe(download(user, "dev-1", ids.next(), 10, clock.Now())); len(got) != 0 {
			t.Fatalf("download %d: got findings %v, want none with 20 per user", i+1, detectorsOf(got))
		}
	}
}

func TestMassDownloadBytes(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int64
		want  int // index of the download that trips, or -1
	}{
		{"exactly the limit", []int64{400, 400, 200}, -1},
		{"one byte over", []int64{400, 400, 201}, 2},
		{"one large file", []int64{1001}, 0},
		{"unknown sizes add nothing", []int64{-1, -1, 1000, 0}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := alertOnly()
			cfg.MassDownload.MaxBytes = 1000
			d, clock := newTestDetector(t, cfg)
			var ids sequence
			tripped := -1
			for i, size := range tt.sizes {
				got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), size, clock.Now()))
				if len(got) > 0 && tripped < 0 {
					tripped = i
				}
			}
			if tripped != tt.want {
				t.Errorf("tripped at download index %d, want %d", tripped, tt.want)
			}
		})
	}
}

func TestMassDownloadBytesReason(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	got := d.Observe(download("ana@corp.test", "dev-1", "act-1", 600<<20, clock.Now()))
	if len(got) != 1 {
		t.Fatalf("got %d findings for one 600 MiB download, want 1", len(got))
	}
	want := "ana@corp.test downloaded 600.0 MiB in 1 file within 1m, more than the limit of 500.0 MiB."
	if got[0].Reason != want {
		t.Errorf("reason: got %q, want %q", got[0].Reason, want)
	}
}

func TestWindowSlides(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	var ids sequence
	for range 20 {
		d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
	}
	// The first 20 are exactly one window old now, so they are out.
	clock.Advance(time.Minute)
	for i := range 20 {
		if got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now())); len(got) != 0 {
			t.Fatalf("download %d of the second minute: got findings %v, want none", i+1, detectorsOf(got))
		}
	}
	got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
	if len(got) != 1 {
		t.Fatalf("download 21 of the second minute: got %d findings, want 1", len(got))
	}
	if first := got[0].Evidence[0]; first != "act-21" {
		t.Errorf("first evidence: got %s, want act-21, the first download of the second minute", first)
	}
}

func TestWindowBoundary(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration // between download 1 and download 21
		want    int
	}{
		{"just inside", time.Minute - time.Nanosecond, 1},
		{"exactly one window", time.Minute, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, clock := newTestDetector(t, alertOnly())
			var ids sequence
			start := clock.Now()
			d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, start))
			for range 19 {
				d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, start.Add(time.Second)))
			}
			clock.Set(start.Add(tt.advance))
			got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now()))
			if len(got) != tt.want {
				t.Errorf("got %d findings, want %d", len(got), tt.want)
			}
		})
	}
}

func TestEvidenceListsWindow(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.MaxFiles = 3
	d, clock := newTestDetector(t, cfg)
	d.Observe(download("ana@corp.test", "dev-1", "act-old", 10, clock.Now()))
	clock.Advance(2 * time.Minute)
	start := clock.Now()
	var got []Finding
	for _, id := range []string{"act-a", "act-b", "", "act-d"} {
		got = d.Observe(download("ana@corp.test", "dev-1", id, 10, clock.Now()))
		clock.Advance(time.Second)
	}
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1", len(got))
	}
	if want := []string{"act-a", "act-b", "act-d"}; !slices.Equal(got[0].Evidence, want) {
		t.Errorf("evidence: got %v, want %v", got[0].Evidence, want)
	}
	if !got[0].WindowStart.Equal(start) {
		t.Errorf("window start: got %v, want %v", got[0].WindowStart, start)
	}
	if want := start.Add(3 * time.Second); !got[0].WindowEnd.Equal(want) {
		t.Errorf("window end: got %v, want %v", got[0].WindowEnd, want)
	}
}

func TestWindowRestartsAfterFinding(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.MaxFiles = 2
	d, clock := newTestDetector(t, cfg)
	var ids sequence
	var trips []int
	for i := 1; i <= 9; i++ {
		if got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now())); len(got) > 0 {
			trips = append(trips, i)
		}
	}
	if want := []int{3, 6, 9}; !slices.Equal(trips, want) {
		t.Errorf("tripped at downloads %v, want %v", trips, want)
	}
}

func TestDownloadsThatDidNotHappen(t *testing.T) {
	tests := []struct {
		decision protocol.Decision
		counted  bool
	}{
		{protocol.DecisionAllow, true},
		{protocol.DecisionMonitor, true},
		{protocol.DecisionProtect, true},
		{protocol.DecisionWarn, true},
		{protocol.DecisionStepUp, false},
		{protocol.DecisionBlock, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.decision), func(t *testing.T) {
			cfg := alertOnly()
			cfg.MassDownload.MaxFiles = 1
			cfg.RepeatedBlocks.Disabled = true
			d, clock := newTestDetector(t, cfg)
			var findings []Finding
			for _, id := range []string{"act-1", "act-2"} {
				ev := download("ana@corp.test", "dev-1", id, 10, clock.Now())
				ev.Decision = tt.decision
				findings = append(findings, d.Observe(ev)...)
			}
			if got := len(findings) == 1; got != tt.counted {
				t.Errorf("two %s downloads tripped: got %v, want %v", tt.decision, got, tt.counted)
			}
		})
	}
}

func TestSensitiveUploadTripsAfterMax(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	var ids sequence
	for range 10 {
		if got := d.Observe(upload("ana@corp.test", ids.next(), false, clock.Now())); len(got) != 0 {
			t.Fatalf("plain upload: got findings %v, want none", detectorsOf(got))
		}
	}
	for i := 1; i <= 5; i++ {
		if got := d.Observe(upload("ana@corp.test", ids.next(), true, clock.Now())); len(got) != 0 {
			t.Fatalf("sensitive upload %d of max 5: got findings %v, want none", i, detectorsOf(got))
		}
		clock.Advance(time.Minute)
	}
	got := d.Observe(upload("ana@corp.test", ids.next(), true, clock.Now()))
	if len(got) != 1 {
		t.Fatalf("sensitive upload 6: got %d findings, want 1", len(got))
	}
	if got[0].Detector != DetectorSensitiveUpload {
		t.Errorf("detector: got %s, want %s", got[0].Detector, DetectorSensitiveUpload)
	}
	if want := []string{"act-11", "act-12", "act-13", "act-14", "act-15", "act-16"}; !slices.Equal(got[0].Evidence, want) {
		t.Errorf("evidence: got %v, want %v", got[0].Evidence, want)
	}
}

func TestRepeatedBlocksTripsAfterMax(t *testing.T) {
	d, clock := newTestDetector(t, alertOnly())
	var ids sequence
	activities := []protocol.Activity{protocol.ActivityDownload, protocol.ActivityPaste, protocol.ActivityPrint}
	blocked := func(i int) Event {
		ev := download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now())
		ev.Activity = activities[i%3]
		ev.Decision = protocol.DecisionBlock
		return ev
	}
	for i := 1; i <= 10; i++ {
		if got := d.Observe(blocked(i)); len(got) != 0 {
			t.Fatalf("block %d of max 10: got findings %v, want none", i, detectorsOf(got))
		}
		clock.Advance(30 * time.Second)
	}
	got := d.Observe(blocked(11))
	if len(got) != 1 {
		t.Fatalf("block 11: got %d findings, want 1", len(got))
	}
	if got[0].Detector != DetectorRepeatedBlocks {
		t.Errorf("detector: got %s, want %s", got[0].Detector, DetectorRepeatedBlocks)
	}
	if !strings.Contains(got[0].Reason, "11 actions of ana@corp.test were blocked within 10m") {
		t.Errorf("reason: got %q, want it to count 11 blocks within 10m", got[0].Reason)
	}
}

func TestLateEventsCountInOrder(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.MaxFiles = 2
	d, clock := newTestDetector(t, cfg)
	now := clock.Now()
	d.Observe(download("ana@corp.test", "dev-1", "act-live", 10, now))
	// An agent reports two downloads it decided while offline.
	if got := d.Observe(download("ana@corp.test", "dev-1", "act-too-old", 10, now.Add(-2*time.Minute))); len(got) != 0 {
		t.Fatalf("download older than the window: got findings %v, want none", detectorsOf(got))
	}
	got := d.Observe(download("ana@corp.test", "dev-1", "act-late", 10, now.Add(-30*time.Second)))
	if len(got) != 0 {
		t.Fatalf("second download in the window: got findings %v, want none", detectorsOf(got))
	}
	got = d.Observe(download("ana@corp.test", "dev-1", "act-next", 10, now))
	if len(got) != 1 {
		t.Fatalf("third download in the window: got %d findings, want 1", len(got))
	}
	if want := []string{"act-late", "act-live", "act-next"}; !slices.Equal(got[0].Evidence, want) {
		t.Errorf("evidence: got %v, want %v", got[0].Evidence, want)
	}
}

func TestFutureTimeIsClamped(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.MaxFiles = 2
	d, clock := newTestDetector(t, cfg)
	now := clock.Now()
	d.Observe(download("ana@corp.test", "dev-1", "act-future", 10, now.Add(365*24*time.Hour)))
	d.Observe(download("ana@corp.test", "dev-1", "act-2", 10, now))
	got := d.Observe(download("ana@corp.test", "dev-1", "act-3", 10, now))
	if len(got) != 1 {
		t.Fatalf("got %d findings after a download dated next year, want 1", len(got))
	}
	if !got[0].WindowStart.Equal(now) {
		t.Errorf("window start: got %v, want the clock's time %v", got[0].WindowStart, now)
	}
}

func TestDisabledCounterKeepsNoState(t *testing.T) {
	cfg := alertOnly()
	cfg.MassDownload.Disabled = true
	cfg.NewIPRange.Disabled = true
	d, clock := newTestDetector(t, cfg)
	var ids sequence
	for range 100 {
		if got := d.Observe(download("ana@corp.test", "dev-1", ids.next(), 10, clock.Now())); len(got) != 0 {
			t.Fatalf("disabled detector: got findings %v, want none", detectorsOf(got))
		}
	}
	s := d.shardFor("ana@corp.test")
	if n := len(s.users["ana@corp.test"].events); n != 0 {
		t.Errorf("events kept: got %d, want 0", n)
	}
}
