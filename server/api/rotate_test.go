package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"parapet/protocol"
	"parapet/server/hub"
)

// rotate posts to RotatePath with credential and returns the status and
// the new enrollment.
func (s *testServer) rotate(t *testing.T, credential, body string) (int, protocol.EnrollResponse, errorBody) {
	t.Helper()
	status, _, data := s.do(t, "POST", RotatePath, credential, body)
	var (
		out  protocol.EnrollResponse
		fail errorBody
	)
	if status == http.StatusOK {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("decoding %s: %v", data, err)
		}
	} else {
		json.Unmarshal(data, &fail)
	}
	return status, out, fail
}

func TestRotateKeepsOldUntilNewUsed(t *testing.T) {
	s := startServer(t)
	old := s.enroll(t)
	status, rotated, _ := s.rotate(t, old.Credential, "")
	if status != http.StatusOK {
		t.Fatalf("rotate: got status %d, want 200", status)
	}
	if rotated.DeviceID != old.DeviceID {
		t.Errorf("got device id %q, want the same device %q", rotated.DeviceID, old.DeviceID)
	}
	if rotated.Credential == old.Credential || !strings.HasPrefix(rotated.Credential, old.DeviceID+".") {
		t.Errorf("got credential %q, want a new DEVICEID.SECRET for %s", rotated.Credential, old.DeviceID)
	}

	// Phase 1: the agent has not used the new credential, so both work.
	conn := s.connect(t, old.Credential)
	conn.Close()
	if status, _, _ := s.do(t, "GET", BundleKeyPath, old.Credential, ""); status != http.StatusOK {
		t.Errorf("phase 1, old credential: got status %d, want 200", status)
	}

	// Phase 2: the first use of the new credential retires the old one.
	s.connect(t, rotated.Credential)
	_, resp, err := s.dial(t, old.Credential)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("phase 2, old credential: got error %v, response %v; want 401", err, resp)
	}
	if status, _, _ := s.do(t, "GET", BundleKeyPath, rotated.Credential, ""); status != http.StatusOK {
		t.Errorf("phase 2, new credential: got status %d, want 200", status)
	}
}

func TestRotateTwiceBeforeUse(t *testing.T) {
	s := startServer(t)
	old := s.enroll(t)
	_, first, _ := s.rotate(t, old.Credential, "")
	_, second, _ := s.rotate(t, old.Credential, "")
	if status, _, _ := s.do(t, "GET", BundleKeyPath, first.Credential, ""); status != http.StatusUnauthorized {
		t.Errorf("replaced pending credential: got status %d, want 401", status)
	}
	if status, _, _ := s.do(t, "GET", BundleKeyPath, second.Credential, ""); status != http.StatusOK {
		t.Errorf("latest pending credential: got status %d, want 200", status)
	}
	if status, _, _ := s.do(t, "GET", BundleKeyPath, old.Credential, ""); status != http.StatusUnauthorized {
		t.Errorf("old credential after the new one was used: got status %d, want 401", status)
	}
}

func TestRotateRejects(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	if status, _, _ := s.rotate(t, enrolled.Credential, `{"x":1}`); status != http.StatusBadRequest {
		t.Errorf("non-empty body: got status %d, want 400", status)
	}
	if status, _, _ := s.rotate(t, "", ""); status != http.StatusUnauthorized {
		t.Errorf("no credential: got status %d, want 401", status)
	}
	if status, _, _ := s.rotate(t, adminToken, ""); status != http.StatusUnauthorized {
		t.Errorf("admin token: got status %d, want 401", status)
	}
	if status := s.doJSON(t, "POST", "/api/v1/devices/"+enrolled.DeviceID+"/revoke", adminToken, "", nil); status != http.StatusOK {
		t.Fatalf("revoke: got status %d, want 200", status)
	}
	status, _, fail := s.rotate(t, enrolled.Credential, "")
	if status != http.StatusUnauthorized {
		t.Errorf("revoked device: got status %d, want 401", status)
	}
	if fail.Code != hub.CodeDeviceRevoked || fail.Error != hub.RevokedMessage {
		t.Errorf("revoked device: got %+v, want code %s with the user message", fail, hub.CodeDeviceRevoked)
	}
}
