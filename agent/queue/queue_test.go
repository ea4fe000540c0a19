package queue

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parapet/protocol"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func report(id string) *protocol.ActivityReport {
	return &protocol.ActivityReport{
		Request: protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test",
			PageURL: "https://files.corp.test/", TabID: 1},
		RequestID: id, Decision: protocol.DecisionAllow, Reason: "offline", DecidedAt: time.Now().UTC(),
	}
}

func ids(t *testing.T, q *Queue) []string {
	t.Helper()
	var out []string
	for item, ok := q.After(""); ok; item, ok = q.After(item.Name) {
		out = append(out, item.Report.RequestID)
	}
	return out
}

func TestQueueFIFOAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	q, err := Open(dir, DefaultLimits, discard)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		if _, err := q.Append(report(fmt.Sprintf("r%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	q2, err := Open(dir, DefaultLimits, discard)
	if err != nil {
		t.Fatal(err)
	}
	got := ids(t, q2)
	if len(got) != 12 {
		t.Fatalf("got %d items after reopen, want 12", len(got))
	}
	for i, id := range got {
		if want := fmt.Sprintf("r%d", i); id != want {
			t.Errorf("item %d: got %s, want %s", i, id, want)
		}
	}
	name, err := q2.Append(report("r12"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%020d.json", 13); name != want {
		t.Errorf("got name %s after reopen, want %s", name, want)
	}
}

func TestQueueRemove(t *testing.T) {
	dir := t.TempDir()
	q, _ := Open(dir, DefaultLimits, discard)
	first, _ := q.Append(report("a"))
	q.Append(report("b"))
	if err := q.Remove(first); err != nil {
		t.Fatal(err)
	}
	if err := q.Remove(first); err != nil {
		t.Errorf("second Remove: got %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(dir, first)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v for the removed file, want not exist", err)
	}
	q2, _ := Open(dir, DefaultLimits, discard)
	if got := ids(t, q2); len(got) != 1 || got[0] != "b" {
		t.Errorf("got %v after reopen, want [b]", got)
	}
}

func TestQueueLimits(t *testing.T) {
	cases := []struct {
		name   string
		limits Limits
	}{
		{"items", Limits{MaxItems: 2, MaxBytes: 1 << 20}},
		{"bytes", Limits{MaxItems: 100, MaxBytes: 600}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, _ := Open(t.TempDir(), c.limits, discard)
			var err error
			n := 0
			for ; n < 10; n++ {
				if _, err = q.Append(report("x")); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrFull) {
				t.Fatalf("got %v, want ErrFull", err)
			}
			if n != 2 {
				t.Errorf("got %d items accepted, want 2", n)
			}
		})
	}
}

func TestQueueSkipsCorrupt(t *testing.T) {
	dir := t.TempDir()
	q, _ := Open(dir, DefaultLimits, discard)
	bad, _ := q.Append(report("a"))
	q.Append(report("b"))
	os.WriteFile(filepath.Join(dir, bad), []byte("{"), 0o600)
	if got := ids(t, q); len(got) != 1 || got[0] != "b" {
		t.Errorf("got %v, want [b]", got)
	}
	if _, err := os.Stat(filepath.Join(dir, bad+".corrupt")); err != nil {
		t.Errorf("corrupt item not set aside: %v", err)
	}
	if q.Len() != 1 {
		t.Errorf("got Len %d, want 1", q.Len())
	}
}

func TestOpenDeletesTemp(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, ".tmp-00000000000000000001.json")
	os.WriteFile(tmp, []byte("{"), 0o600)
	q, err := Open(dir, DefaultLimits, discard)
	if err != nil {
		t.Fatal(err)
	}
	if q.Len() != 0 {
		t.Errorf("got Len %d, want 0", q.Len())
	}
	if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file kept: %v", err)
	}
}

func TestAppendNotifies(t *testing.T) {
	q, _ := Open(t.TempDir(), DefaultLimits, discard)
	q.Append(report("a"))
	select {
	case <-q.Notify():
	default:
		t.Error("got no notification after Append")
	}
}
