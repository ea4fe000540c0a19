package protocol

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeGoldenValid(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden messages found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if msg.Payload.MessageType() != msg.Type {
				t.Errorf("payload type %s, want %s", msg.Payload.MessageType(), msg.Type)
			}
			// Re-encoding the payload must give the same body, so Go and
			// the extension agree on every field name and omission.
			again, err := json.Marshal(msg.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(t, again, msg.Body) {
				t.Errorf("re-encoded body\n got %s\nwant %s", again, msg.Body)
			}
		})
	}
}

func TestDecodeGoldenInvalid(t *testing.T) {
	var expect map[string]string
	data, err := os.ReadFile("testdata/invalid/expect.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &expect); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/invalid/*.json")
	if len(files) != len(expect)+1 {
		t.Fatalf("expect.json lists %d files, folder has %d", len(expect), len(files)-1)
	}
	for name, code := range expect {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/invalid", name))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Decode(data)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error %v, want a *DecodeError", err)
			}
			if de.Code != code {
				t.Errorf("code %q, want %q (%v)", de.Code, code, err)
			}
			if reply := de.Reply(); reply.Validate() != nil {
				t.Errorf("reply is not a valid error body: %v", reply.Validate())
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	big := `{"v":1,"type":"ping","id":"x","ts":"2026-12-03T10:00:00Z","body":{},"pad":"` +
		strings.Repeat("a", MaxMessageSize) + `"}`
	_, err := Decode([]byte(big))
	var de *DecodeError
	if !errors.As(err, &de) || de.Code != CodeTooLarge {
		t.Fatalf("got %v, want code %s", err, CodeTooLarge)
	}
}

func TestDecodeVersionErrorKeepsRefID(t *testing.T) {
	data, _ := os.ReadFile("testdata/invalid/version_2.json")
	_, err := Decode(data)
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatal(err)
	}
	if de.RefID != "ext-1" {
		t.Errorf("ref id %q, want ext-1", de.RefID)
	}
	if !strings.Contains(de.Error(), "version 2") {
		t.Errorf("error %q does not name the rejected version", de.Error())
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	v := &Verdict{RequestID: "ext-9", Decision: DecisionBlock, Message: "No.", Reason: "policy p1 matched",
		PolicyIDs: []string{"p1"}, EventID: "act-1"}
	data, err := Encode("", v)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	got := msg.Payload.(*Verdict)
	if got.Decision != v.Decision || got.Message != v.Message || got.PolicyIDs[0] != "p1" {
		t.Errorf("got %+v, want %+v", got, v)
	}
	if !ValidID(msg.ID) {
		t.Errorf("generated id %q is invalid", msg.ID)
	}
}

func TestEncodeRejectsInvalidBody(t *testing.T) {
	_, err := Encode("", &Verdict{RequestID: "x", Decision: "maybe", Reason: "r"})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "body.decision" {
		t.Fatalf("got %v, want a field error on body.decision", err)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
