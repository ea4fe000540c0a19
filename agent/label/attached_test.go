package label

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

func TestStreamPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{`C:\Users\a\report.txt`, `C:\Users\a\report.txt:parapet.label`},
		{`report`, `report:parapet.label`},
	}
	for _, tt := range tests {
		if got := streamPath(tt.path); got != tt.want {
			t.Errorf("streamPath(%q): got %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestAttachedEncoding(t *testing.T) {
	want := newLabel(labelA, tenantA)
	data, err := encodeAttached(want)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"id", "tenant_id", "name", "enabled", "method", "set_date", "content_bits", "action_id"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("encoded label lacks %q: %s", key, data)
		}
	}
	got, err := decodeAttached(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Name != want.Name || !got.SetDate.Equal(want.SetDate) || got.ContentBits != want.ContentBits {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestAttachedDecodeNormalizes(t *testing.T) {
	got, err := decodeAttached([]byte(`{"id":"{A0A0A0A0-0000-4000-8000-000000000001}","tenant_id":"AAAAAAAA-1111-4111-8111-AAAAAAAAAAAA","enabled":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != labelA {
		t.Errorf("got ID %q, want %q", got.ID, labelA)
	}
	if got.TenantID != tenantA {
		t.Errorf("got tenant %q, want %q", got.TenantID, tenantA)
	}
}

func TestAttachedDecodeInvalid(t *testing.T) {
	if _, err := decodeAttached([]byte("{not json")); err == nil {
		t.Error("got nil error, want an error")
	}
}

func TestAttachedRoundTrip(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		t.Skip("no attached labels on " + runtime.GOOS)
	}
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("plain text"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := Read(path)
	if err != nil {
		t.Fatalf("Read before Write: %v", err)
	}
	if _, ok := res.Effective(); ok {
		t.Fatal("got a label before Write, want none")
	}

	want := newLabel(labelA, tenantA)
	if err := Write(path, want); errors.Is(err, syscall.ENOTSUP) {
		t.Skipf("the temporary folder's file system has no user extended attributes: %v", err)
	} else if err != nil {
		t.Fatalf("Write: %v", err)
	}
	res, err = Read(path)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	got, ok := res.Effective()
	if !ok {
		t.Fatal("got unlabeled, want labeled")
	}
	if got.ID != want.ID || got.TenantID != want.TenantID {
		t.Errorf("got %s/%s, want %s/%s", got.ID, got.TenantID, want.ID, want.TenantID)
	}

	wantSource := SourceXattr
	if runtime.GOOS == "windows" {
		wantSource = SourceStream
	}
	if got.Source != wantSource {
		t.Errorf("got source %q, want %q", got.Source, wantSource)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(content) != "plain text" {
		t.Errorf("got content %q, want it unchanged", content)
	}
}

func TestDetectZipWithoutContentTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.docx")
	if err := os.WriteFile(path, buildZip(t, member{"a.txt", "x"}), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Detect(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != FormatAttached {
		t.Errorf("got %v, want %v", got, FormatAttached)
	}
}
