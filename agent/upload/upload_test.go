package upload

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parapet/agent/inspect"
	"parapet/agent/label"
	"parapet/protocol"
)

const (
	testLabelID = "2096f6a2-d2f7-48be-b329-b73aaa526e5d"
	testTenant  = "6d1ea4b4-7e3c-4b6f-9a55-0f2c8a9c1e11"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func newInspector(t *testing.T, max int64) (*Inspector, *label.Ledger) {
	t.Helper()
	state := t.TempDir()
	ledger, err := label.OpenLedger(filepath.Join(state, "ledger"), discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ledger.Close() })
	det, err := inspect.New(inspect.Config{Cards: true, SSNs: true, IBANs: true})
	if err != nil {
		t.Fatal(err)
	}
	in, err := New(Config{Dir: filepath.Join(state, "uploads"), MaxBytes: max, Ledger: ledger, Detectors: det, Log: discard})
	if err != nil {
		t.Fatal(err)
	}
	return in, ledger
}

// chunks splits data into chunks of size n, the last one marked.
func chunks(data []byte, n int) []*protocol.UploadChunk {
	var out []*protocol.UploadChunk
	for off := 0; off < len(data) || len(out) == 0; off += n {
		end := min(off+n, len(data))
		out = append(out, &protocol.UploadChunk{RequestID: "r1", Offset: int64(off), Data: data[off:end]})
		if end == len(data) {
			break
		}
	}
	out[len(out)-1].Last = true
	return out
}

// assemble feeds every chunk and returns the first error.
func assemble(t *testing.T, in *Inspector, declared int64, cs []*protocol.UploadChunk) (*Assembly, error) {
	t.Helper()
	a, err := in.Begin(declared)
	if err != nil {
		return nil, err
	}
	t.Cleanup(a.Discard)
	for _, c := range cs {
		if _, err := a.Add(c); err != nil {
			return a, err
		}
	}
	return a, nil
}

func TestAssemblyViolations(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 100)
	good := chunks(data, 40)
	cases := []struct {
		name     string
		declared int64
		chunks   []*protocol.UploadChunk
		want     string
	}{
		{"gap", 100, []*protocol.UploadChunk{good[0], good[2]}, "starts at offset 80"},
		{"overlap", 100, []*protocol.UploadChunk{good[0], {RequestID: "r1", Offset: 20, Data: data[20:60]}}, "starts at offset 20"},
		{"repeat", 100, []*protocol.UploadChunk{good[0], good[0]}, "starts at offset 0"},
		{"over declared", 50, good, "exceed 50 bytes, the file's declared size"},
		{"over limit unknown size", -1, chunks(bytes.Repeat([]byte("y"), 300), 40), "exceed 200 bytes, the inspection limit"},
		{"short of declared", 120, good, "ended at 100 bytes"},
		{"after last", 100, append(append([]*protocol.UploadChunk{}, good...), &protocol.UploadChunk{RequestID: "r1", Offset: 100, Last: true}), "after the last"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, _ := newInspector(t, 200)
			_, err := assemble(t, in, c.declared, c.chunks)
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatalf("got error %v, want a Violation", err)
			}
			if !strings.Contains(v.Reason, c.want) {
				t.Errorf("got reason %q, want it to contain %q", v.Reason, c.want)
			}
		})
	}
}

func TestBeginRejectsOversized(t *testing.T) {
	in, _ := newInspector(t, 200)
	var v *Violation
	if _, err := in.Begin(201); !errors.As(err, &v) {
		t.Errorf("got error %v, want a Violation", err)
	}
}

func TestAssemblyCompleteAndDiscard(t *testing.T) {
	in, _ := newInspector(t, 1<<20)
	data := []byte("name,card\nalice,4242424242424242\n")
	a, err := assemble(t, in, int64(len(data)), chunks(data, 7))
	if err != nil {
		t.Fatal(err)
	}
	path := a.file.Name()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("got assembly file mode %v, want 0600", info.Mode().Perm())
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, data) {
		t.Errorf("got assembled %q, want %q", got, data)
	}
	a.Discard()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("assembly file still present after Discard: %v", err)
	}
}

func TestEmptyUpload(t *testing.T) {
	in, _ := newInspector(t, 100)
	a, err := assemble(t, in, 0, []*protocol.UploadChunk{{RequestID: "r1", Offset: 0, Last: true}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Inspect(context.Background(), a, "empty.txt")
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("got sha256 %s, want the digest of no bytes", res.SHA256)
	}
}

func TestDetectorsFound(t *testing.T) {
	in, _ := newInspector(t, 1<<20)
	// 4242424242424242 and 536-22-8145 are match vectors in
	// agent/inspect/testdata/vectors.json.
	data := []byte("name,card,ssn\nalice,4242424242424242,536-22-8145\n")
	a, err := assemble(t, in, int64(len(data)), chunks(data, 16))
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Inspect(context.Background(), a, "customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Detectors, ","); got != "payment_card,us_ssn" {
		t.Errorf("got detectors %q, want payment_card,us_ssn", got)
	}
	if res.Inspection != protocol.InspectionComplete {
		t.Errorf("got inspection %q, want complete", res.Inspection)
	}
	if res.Label != nil {
		t.Errorf("got label %+v, want none", res.Label)
	}
}

func TestLabelFromMetadata(t *testing.T) {
	in, ledger := newInspector(t, 1<<20)
	data, err := os.ReadFile(filepath.Join("..", "label", "testdata", "01_label_customprops.docx"))
	if err != nil {
		t.Fatal(err)
	}
	// A ledger record for the same digest loses against the metadata.
	a, err := assemble(t, in, int64(len(data)), chunks(data, protocol.MaxChunkSize))
	if err != nil {
		t.Fatal(err)
	}
	const ledgerLabel = "b0b0b0b0-0000-4000-8000-000000000001"
	ledger.Record(label.LedgerRecord{SHA256: a.SHA256(), Label: label.Label{ID: ledgerLabel, TenantID: testTenant, Enabled: true}})
	res, err := in.Inspect(context.Background(), a, "a.docx")
	if err != nil {
		t.Fatal(err)
	}
	if res.Label == nil || res.LabelSource != string(label.SourceCustomProps) || res.Label.ID == ledgerLabel {
		t.Errorf("got label %+v from %q, want the document's own label", res.Label, res.LabelSource)
	}
}

func TestLabelFromLedger(t *testing.T) {
	in, ledger := newInspector(t, 1<<20)
	data := []byte("plain text the agent labeled on download\n")
	a, err := assemble(t, in, int64(len(data)), chunks(data, 10))
	if err != nil {
		t.Fatal(err)
	}
	err = ledger.Record(label.LedgerRecord{SHA256: a.SHA256(), Label: label.Label{ID: testLabelID, TenantID: testTenant,
		Name: "Confidential", Enabled: true}, LabeledAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Inspect(context.Background(), a, "notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := protocol.FileLabel{ID: testLabelID, TenantID: testTenant, Name: "Confidential"}
	if res.Label == nil || *res.Label != want || res.LabelSource != SourceLedger {
		t.Errorf("got label %+v from %q, want %+v from the ledger", res.Label, res.LabelSource, want)
	}
}

func TestInspectionFailedOnEncrypted(t *testing.T) {
	in, _ := newInspector(t, 1<<20)
	// A zip whose member is marked encrypted (general purpose bit 0).
	data := []byte("PK\x03\x04\x14\x00\x01\x00\x08\x00")
	data = append(data, bytes.Repeat([]byte{0}, 40)...)
	a, err := assemble(t, in, int64(len(data)), chunks(data, 10))
	if err != nil {
		t.Fatal(err)
	}
	res, err := in.Inspect(context.Background(), a, "a.docx")
	if err != nil {
		t.Fatal(err)
	}
	if res.Inspection != protocol.InspectionFailed {
		t.Errorf("got inspection %q for a damaged zip, want failed", res.Inspection)
	}
}

func TestApplyOverwritesExtensionFields(t *testing.T) {
	f := &protocol.FileInfo{Name: "a.csv", Size: 3, SHA256: strings.Repeat("0", 64),
		Label: &protocol.FileLabel{ID: testLabelID, TenantID: testTenant}, Detectors: []string{"fake"}, Inspection: "complete"}
	Result{SHA256: strings.Repeat("a", 64), Inspection: protocol.InspectionComplete}.Apply(f)
	if f.Label != nil || f.Detectors != nil || f.SHA256 != strings.Repeat("a", 64) {
		t.Errorf("got %+v, want the extension's label and detectors dropped", f)
	}
	MarkOversized(f)
	if f.Inspection != protocol.InspectionOversized || f.SHA256 != "" {
		t.Errorf("got %+v, want oversized with no digest", f)
	}
}

func TestNewRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	left := filepath.Join(dir, tempPrefix+"123")
	other := filepath.Join(dir, "keep")
	os.WriteFile(left, []byte("x"), 0o600)
	os.WriteFile(other, []byte("x"), 0o600)
	if _, err := New(Config{Dir: dir, Log: discard}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("leftover assembly file still present: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("unrelated file removed: %v", err)
	}
}

func TestUnsupportedFormatInspection(t *testing.T) {
	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	w, _ := zw.Create("c.csv")
	w.Write([]byte("card\n4111 1111 1111 1111\n"))
	zw.Close()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 64)...)
	ole := append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, bytes.Repeat([]byte{0}, 64)...)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"plain zip is not inspected", archive.Bytes(), protocol.InspectionFailed},
		{"legacy office file is not inspected", ole, protocol.InspectionFailed},
		{"image has no text to inspect", png, protocol.InspectionComplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, _ := newInspector(t, 1<<20)
			a, err := assemble(t, in, int64(len(tt.data)), chunks(tt.data, 32))
			if err != nil {
				t.Fatal(err)
			}
			res, err := in.Inspect(context.Background(), a, "upload.bin")
			if err != nil {
				t.Fatal(err)
			}
			if res.Inspection != tt.want {
				t.Errorf("got inspection %q, want %q", res.Inspection, tt.want)
			}
		})
	}
}
