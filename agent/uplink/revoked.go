package uplink

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"

	"parapet/protocol"
)

// CodeDeviceRevoked is the error code with which the server rejects a
// revoked device: in an error message on the open link, and in the body
// of a 401 response to later connections.
const CodeDeviceRevoked = "device_revoked"

// revocation is the device_revoked state of a Client.
type revocation struct {
	mu      sync.Mutex
	revoked bool
	message string
}

// Revoked returns the server's message and true once the server has
// reported the device revoked.
func (c *Client) Revoked() (string, bool) {
	c.revocation.mu.Lock()
	defer c.revocation.mu.Unlock()
	return c.revocation.message, c.revocation.revoked
}

// Revoke records that the server revoked the device, which stops Run from
// reconnecting with the credential, and passes an access.changed with the
// state device_revoked to OnAccessChanged. Only the first call acts.
func (c *Client) Revoke(message string) {
	c.revocation.mu.Lock()
	first := !c.revocation.revoked
	c.revocation.revoked, c.revocation.message = true, message
	c.revocation.mu.Unlock()
	if !first {
		return
	}
	c.cfg.Log.Error("device revoked by the server, no longer connecting with this credential",
		"device_id", c.DeviceID(), "message", message, "hint", "enroll the device again")
	if c.cfg.OnAccessChanged != nil {
		c.cfg.OnAccessChanged(&protocol.AccessChanged{User: c.cfg.User, State: protocol.AccessRevoked, Message: message})
	}
}

// revokedResponse reports whether resp is a 401 whose body carries the
// code device_revoked, and returns the body's message.
func revokedResponse(resp *http.Response) (string, bool) {
	if resp == nil || resp.StatusCode != http.StatusUnauthorized || resp.Body == nil {
		return "", false
	}
	// gorilla/websocket keeps the first bytes of a failed handshake's body
	// readable after the dialer closed the response.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var body struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	if json.Unmarshal(data, &body) != nil || body.Code != CodeDeviceRevoked {
		return "", false
	}
	return body.Error, true
}
