package label

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func testRecord(content string) LedgerRecord {
	return LedgerRecord{
		SHA256:    digestOf(content),
		Label:     newLabel(labelA, tenantA),
		LabeledAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Path:      "/home/a/" + content,
	}
}

func TestLedgerPersists(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLedger(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := testRecord("one")
	if err := l.Record(want); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err = OpenLedger(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, ok := l.Lookup(strings.ToUpper(want.SHA256))
	if !ok {
		t.Fatal("got no record after reopening, want one")
	}
	if got.Path != want.Path || got.Label.ID != want.Label.ID || !got.LabeledAt.Equal(want.LabeledAt) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, ok := l.Lookup(digestOf("other")); ok {
		t.Error("got a record for an unknown digest, want none")
	}
}

func TestLedgerDamagedTail(t *testing.T) {
	dir := t.TempDir()
	line, _ := jsonLine(testRecord("one"))
	name := filepath.Join(dir, LedgerFileName)
	if err := os.WriteFile(name, append(line, []byte(`{"sha256":"abc","lab`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	l, err := OpenLedger(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("OpenLedger: %v", err)
	}
	if !strings.Contains(logs.String(), "damaged last line") {
		t.Errorf("got log %q, want a warning about the damaged line", logs.String())
	}
	if got := l.Len(); got != 1 {
		t.Errorf("got %d records, want 1", got)
	}

	if err := l.Record(testRecord("two")); err != nil {
		t.Fatal(err)
	}
	l.Close()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes.Count(data, []byte("\n")); got != 2 {
		t.Errorf("got %d lines after the append, want 2:\n%s", got, data)
	}

	l, err = OpenLedger(dir, nil)
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer l.Close()
	if got := l.Len(); got != 2 {
		t.Errorf("got %d records after reopening, want 2", got)
	}
}

func TestLedgerDamagedMiddle(t *testing.T) {
	dir := t.TempDir()
	line, _ := jsonLine(testRecord("one"))
	data := append([]byte("garbage\n"), line...)
	if err := os.WriteFile(filepath.Join(dir, LedgerFileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err := OpenLedger(dir, nil); err == nil {
		l.Close()
		t.Error("got nil error, want an error for a damaged line before the last")
	}
}

func TestLedgerConcurrent(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenLedger(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := l.Record(testRecord(fmt.Sprintf("%d-%d", w, i))); err != nil {
					t.Error(err)
				}
				l.Lookup(digestOf("x"))
			}
		}(w)
	}
	wg.Wait()
	l.Close()
	l, err = OpenLedger(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Len(); got != writers*each {
		t.Errorf("got %d records, want %d", got, writers*each)
	}
}

func TestLedgerClosed(t *testing.T) {
	l, err := OpenLedger(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if err := l.Record(testRecord("one")); err == nil {
		t.Error("got nil error from Record after Close, want an error")
	}
}

func TestFileDigest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := FileDigest(path)
	if err != nil {
		t.Fatal(err)
	}
	// SHA-256("abc") from FIPS 180-2, appendix B.1.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
