package protocol

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no input makes Decode panic, that every rejection
// is a *DecodeError with a reply the peer can decode, and that every
// accepted message survives a re-encode.
func FuzzDecode(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.json", "testdata/invalid/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := Decode(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			if _, err := Encode("", de.Reply()); err != nil {
				t.Fatalf("reply to %q cannot be encoded: %v", data, err)
			}
			return
		}
		again, err := Encode(msg.ID, msg.Payload)
		if err != nil {
			t.Fatalf("accepted message cannot be re-encoded: %v", err)
		}
		if _, err := Decode(again); err != nil {
			t.Fatalf("re-encoded message rejected: %v", err)
		}
	})
}
