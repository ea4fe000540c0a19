package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"parapet/protocol"
)

func TestActivityStoresExplain(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)

	write(t, conn, "ext-0031", docxDownload())
	verdict, ok := read(t, conn).Payload.(*protocol.Verdict)
	if !ok {
		t.Fatal("got no verdict")
	}
	_, activities := s.activities(t, adminToken)
	if len(activities) != 1 {
		t.Fatalf("got %d activities, want 1", len(activities))
	}
	a := activities[0]
	if a.ID != verdict.EventID {
		t.Fatalf("got activity %s, want %s", a.ID, verdict.EventID)
	}
	if !slices.Contains(a.Codes, "policy_matched") {
		t.Errorf("codes %v, want policy_matched among them", a.Codes)
	}
	var explain struct {
		Decision string `json:"decision"`
		Trace    []struct {
			Policy  string `json:"policy"`
			Matched bool   `json:"matched"`
		} `json:"trace"`
	}
	if err := json.Unmarshal(a.Explain, &explain); err != nil {
		t.Fatalf("decoding explain %s: %v", a.Explain, err)
	}
	if explain.Decision != "block" {
		t.Errorf("explain decision %q, want block", explain.Decision)
	}
	matched := map[string]bool{}
	for _, entry := range explain.Trace {
		matched[entry.Policy] = entry.Matched
	}
	if !matched["block-docx-downloads"] {
		t.Errorf("trace %+v does not show block-docx-downloads as matched", explain.Trace)
	}
}

func TestActivityUpdateStoresFile(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	write(t, conn, "ext-0032", docxDownload())
	verdict := read(t, conn).Payload.(*protocol.Verdict)

	const digest = "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
	label := &protocol.FileLabel{ID: "2096f6a2-d2f7-48be-b329-b73aaa526e5d", TenantID: "cb46c030-1825-4e81-a295-151c039dbf02"}
	write(t, conn, "agt-0033", &protocol.ActivityUpdate{EventID: verdict.EventID, Label: label,
		Encrypted: protocol.EncryptUser, SHA256: digest, FileName: "q3.docx.parapet"})
	ack, ok := read(t, conn).Payload.(*protocol.Ack)
	if !ok || ack.RefID != "agt-0033" {
		t.Fatalf("got %+v, want an ack of agt-0033", ack)
	}

	status, activities := s.activities(t, adminToken)
	if status != http.StatusOK || len(activities) != 1 {
		t.Fatalf("got status %d and %d activities", status, len(activities))
	}
	stored := activities[0].Stored
	if stored == nil {
		t.Fatal("stored file missing from the activity")
	}
	if stored.SHA256 != digest || stored.Encryption != "user" || stored.Label != label.ID || stored.FileName != "q3.docx.parapet" {
		t.Errorf("stored %+v does not match the update", stored)
	}

	write(t, conn, "agt-0034", &protocol.ActivityUpdate{EventID: "act-unknown", Encrypted: protocol.EncryptNone,
		SHA256: digest, FileName: "q3.docx"})
	reply, ok := read(t, conn).Payload.(*protocol.Error)
	if !ok || reply.Code != protocol.CodeInvalidField || reply.RefID != "agt-0034" {
		t.Errorf("update of an unknown activity: got %+v, want invalid_field error", reply)
	}
}

func TestActivityReportFutureTimeAdjusted(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	future := time.Now().AddDate(900, 0, 0)
	write(t, conn, "agt-0051", &protocol.ActivityReport{Request: *docxDownload(), RequestID: "ext-0051",
		Decision: protocol.DecisionBlock, Reason: "Parapet cannot reach its server.", DecidedAt: future})
	if _, ok := read(t, conn).Payload.(*protocol.Ack); !ok {
		t.Fatal("got no ack")
	}
	_, activities := s.activities(t, adminToken)
	if len(activities) != 1 {
		t.Fatalf("got %d activities, want 1", len(activities))
	}
	a := activities[0]
	if a.Time.After(time.Now().Add(time.Minute)) {
		t.Errorf("logged time %v is in the future", a.Time)
	}
	if !slices.Contains(a.Codes, "agent_time_adjusted") {
		t.Errorf("codes %v, want agent_time_adjusted", a.Codes)
	}
}
