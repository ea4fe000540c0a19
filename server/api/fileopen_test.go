package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"parapet/agent/protect/parapetfile"
	accesscontrol "parapet/server/access"
	"parapet/server/filekeys"
	"parapet/server/store"
)

// protectedFile returns a .parapet file of content encrypted to recipients.
func protectedFile(t *testing.T, content string, recipients []string) []byte {
	t.Helper()
	var out bytes.Buffer
	h := parapetfile.Header{OriginalName: "q3.docx", EncryptedFor: "org",
		LabelID: "2096f6a2-d2f7-48be-b329-b73aaa526e5d", LabelTenant: "cb46c030-1825-4e81-a295-151c039dbf02"}
	if err := parapetfile.Encrypt(&out, strings.NewReader(content), h, recipients); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// openFile posts a file's header to FileOpenPath with credential and
// returns the status and the decoded body.
func (s *testServer) openFile(t *testing.T, credential string, file []byte) (int, map[string]string) {
	t.Helper()
	var header []byte
	unwrap := func(_ context.Context, h []byte) ([]byte, error) {
		header = h
		return nil, context.Canceled
	}
	parapetfile.Decrypt(context.Background(), &bytes.Buffer{}, bytes.NewReader(file), int64(len(file)), unwrap)
	if len(header) == 0 {
		t.Fatal("no age header found in the file")
	}
	body, _ := json.Marshal(map[string]any{"header": header, "file_name": "q3.docx.parapet"})
	req, _ := http.NewRequest(http.MethodPost, s.URL+FileOpenPath, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+credential)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestFileOpenReleasesKeyAndLogs(t *testing.T) {
	keys, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *Config) { c.FileKeys = keys })
	enrolled := s.enroll(t)

	file := protectedFile(t, "quarterly numbers", []string{keys.OrgRecipient()})
	status, body := s.openFile(t, enrolled.Credential, file)
	if status != http.StatusOK {
		t.Fatalf("status %d (%v), want 200", status, body)
	}
	key, err := base64.StdEncoding.DecodeString(body["file_key"])
	if err != nil || len(key) == 0 {
		t.Fatalf("file_key %q is not base64 key material", body["file_key"])
	}
	var plain bytes.Buffer
	_, err = parapetfile.Decrypt(context.Background(), &plain, bytes.NewReader(file), int64(len(file)),
		func(context.Context, []byte) ([]byte, error) { return key, nil })
	if err != nil || plain.String() != "quarterly numbers" {
		t.Fatalf("decrypting with the released key: %q, %v", plain.String(), err)
	}

	_, activities := s.activities(t, adminToken)
	if len(activities) != 1 {
		t.Fatalf("got %d activities, want the opening logged once", len(activities))
	}
	a := activities[0]
	if a.Activity != "open" || a.Decision != "allow" || a.ID != body["event_id"] || a.FileName != "q3.docx.parapet" {
		t.Errorf("logged %+v, want an allowed open of q3.docx.parapet with the returned event id", a)
	}
	if a.FileLabel != "2096f6a2-d2f7-48be-b329-b73aaa526e5d" {
		t.Errorf("logged label %q, want the label from the header", a.FileLabel)
	}
}

func TestFileOpenRejectsOtherUsersFile(t *testing.T) {
	keys, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *Config) { c.FileKeys = keys })
	enrolled := s.enroll(t)
	other, err := keys.UserRecipient("someone-else@partner.test")
	if err != nil {
		t.Fatal(err)
	}

	status, body := s.openFile(t, enrolled.Credential, protectedFile(t, "secret", []string{other}))
	if status != http.StatusForbidden {
		t.Fatalf("status %d (%v), want 403", status, body)
	}
	if body["file_key"] != "" {
		t.Error("a refused opening returned a file key")
	}
	_, activities := s.activities(t, adminToken)
	if len(activities) != 1 || activities[0].Decision != "block" {
		t.Errorf("activities %+v, want one blocked opening", activities)
	}
}

func TestFileOpenNeedsDeviceCredential(t *testing.T) {
	keys, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *Config) { c.FileKeys = keys })
	status, _ := s.openFile(t, adminToken, protectedFile(t, "x", []string{keys.OrgRecipient()}))
	if status != http.StatusUnauthorized {
		t.Errorf("status %d with an admin token, want 401", status)
	}
}

func TestFileOpenDeniedToBlockedUser(t *testing.T) {
	keys, err := filekeys.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *Config) {
		c.FileKeys = keys
		c.Identity = &Identity{Access: &accesscontrol.Service{Store: c.Store.(*store.SQLite)}}
	})
	enrolled := s.enroll(t)
	block := store.UserBlock{User: "ana@corp.test", Reason: "left the company", CreatedBy: "bootstrap", CreatedAt: time.Now()}
	audit := store.AuditEntry{Time: time.Now(), Actor: "bootstrap", ActorRole: "admin", Action: "user.block", Target: "ana@corp.test"}
	if err := s.store.BlockUser(context.Background(), block, audit); err != nil {
		t.Fatal(err)
	}

	status, body := s.openFile(t, enrolled.Credential, protectedFile(t, "secret", []string{keys.OrgRecipient()}))
	if status != http.StatusForbidden {
		t.Fatalf("status %d (%v), want 403 for a blocked user", status, body)
	}
	if body["file_key"] != "" {
		t.Error("a blocked user got a file key")
	}
	if !strings.Contains(body["error"], "left the company") {
		t.Errorf("error %q does not give the block's reason", body["error"])
	}
	_, activities := s.activities(t, adminToken)
	if len(activities) != 1 || activities[0].Decision != "block" {
		t.Errorf("activities %+v, want one blocked opening", activities)
	}
}
