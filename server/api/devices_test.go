package api

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"parapet/protocol"
	"parapet/server/hub"
)

func TestDeviceRevoke(t *testing.T) {
	s := startServer(t)
	enrolled := s.enroll(t)
	conn := s.connect(t, enrolled.Credential)
	write(t, conn, "agt-1", &protocol.PostureReport{OS: "linux", AgentVersion: "0.1.0"})
	write(t, conn, "agt-2", &protocol.Ping{})
	read(t, conn)

	var before deviceView
	if status := s.doJSON(t, "GET", "/api/v1/devices/"+enrolled.DeviceID, adminToken, "", &before); status != http.StatusOK {
		t.Fatalf("GET device: got status %d, want 200", status)
	}
	if !before.Connected || before.LastSeenAt == nil || before.LastIP != "127.0.0.1" || before.RevokedAt != nil {
		t.Errorf("got %+v, want connected, seen from 127.0.0.1, not revoked", before)
	}
	if string(before.Posture) == "null" {
		t.Error("got no posture, want the reported one")
	}

	var after deviceView
	if status := s.doJSON(t, "POST", "/api/v1/devices/"+enrolled.DeviceID+"/revoke", adminToken, "", &after); status != http.StatusOK {
		t.Fatalf("revoke: got status %d, want 200", status)
	}
	if after.RevokedAt == nil {
		t.Error("got no revoked_at after revoke")
	}
	msg := read(t, conn)
	revoked, ok := msg.Payload.(*protocol.Error)
	if !ok {
		t.Fatalf("live link: got %s, want an error message before the close", msg.Type)
	}
	if revoked.Code != hub.CodeDeviceRevoked {
		t.Errorf("got error code %q, want %q", revoked.Code, hub.CodeDeviceRevoked)
	}
	if revoked.Message != "This device is no longer trusted by your organization. Contact IT." {
		t.Errorf("got error message %q, want the user sentence", revoked.Message)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := conn.ReadMessage()
	if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
		t.Errorf("live link: got %v, want a policy violation close", err)
	}
	_, resp, err := s.dial(t, enrolled.Credential)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("redial: got error %v, response %v; want 401", err, resp)
	}
	if got := s.auditActions(t); !slices.Equal(got, []string{"device.revoke"}) {
		t.Errorf("got audit actions %v, want [device.revoke]", got)
	}

	var list struct {
		Devices []deviceView `json:"devices"`
	}
	s.doJSON(t, "GET", "/api/v1/devices", adminToken, "", &list)
	if len(list.Devices) != 1 || list.Devices[0].Connected || list.Devices[0].RevokedAt == nil {
		t.Errorf("got devices %+v, want one revoked, disconnected device", list.Devices)
	}
}
