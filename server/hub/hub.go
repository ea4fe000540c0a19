// Package hub runs the websocket links of connected agents. It replies to
// their messages, decides their actions with the current policy set, logs
// activities and pushes policy updates to every link.
package hub

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"parapet/protocol"
	"parapet/server/policy"
	"parapet/server/store"
)

// Keepalive and write timing of a link. The server pings every
// pingInterval and drops a link from which nothing, not even a pong,
// arrived for readTimeout.
const (
	pingInterval = 30 * time.Second
	readTimeout  = 75 * time.Second
	writeTimeout = 10 * time.Second
	// touchInterval limits how often a busy link updates last_seen_at.
	touchInterval = time.Minute
	// maxConsecutiveErrors is how many rejected messages in a row close a
	// link, so a broken or hostile agent cannot keep one open forever.
	maxConsecutiveErrors = 20
	// sendQueueLength is how many outgoing messages may wait for a slow
	// agent before its link is dropped.
	sendQueueLength = 64
)

// Policies is a policy set with the revision that policy.update carries.
type Policies struct {
	Set      *policy.Set
	Revision int64
}

// Hub tracks the connected agents. Its methods are safe for concurrent use.
type Hub struct {
	store    store.Store
	log      *slog.Logger
	software string
	policies atomic.Pointer[Policies]
	fileKeys atomic.Pointer[fileKeysHolder]
	// adaptive holds sign-in sessions, step-up and blocks (identity.go).
	adaptive adaptiveState

	mu    sync.Mutex
	links map[*link]struct{}
	// revoked contains the devices that Disconnect closed, so a link that
	// passed authentication before the revocation cannot register after it.
	revoked map[string]bool
}

// New returns a hub that decides with initial until SetPolicies replaces
// it. software is the server's name and version, sent in hello.
func New(st store.Store, log *slog.Logger, software string, initial Policies) *Hub {
	h := &Hub{
		store:    st,
		log:      log.With("component", "hub"),
		software: software,
		links:    make(map[*link]struct{}),
		revoked:  make(map[string]bool),
	}
	h.policies.Store(&initial)
	return h
}

// Policies returns the current policy set and revision.
func (h *Hub) Policies() Policies { return *h.policies.Load() }

// SetPolicies replaces the policy set and sends a policy.update with the
// new revision to every connected agent.
func (h *Hub) SetPolicies(p Policies) {
	h.policies.Store(&p)
	data, err := encodePolicyUpdate(p)
	if err != nil {
		h.log.Error("encoding policy update", "revision", p.Revision, "error", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.links {
		l.send(data)
	}
	h.log.Info("pushed policy update", "revision", p.Revision, "links", len(h.links))
}

// Connected returns the number of open agent links.
func (h *Hub) Connected() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.links)
}

// Serve runs the link of an authenticated device over conn until the agent
// disconnects, the link fails, or ctx is done. sourceIP is the address the
// link comes from, logged with each activity.
func (h *Hub) Serve(ctx context.Context, conn *websocket.Conn, device store.Device, sourceIP string) {
	l := newLink(h, conn, device, sourceIP)
	h.mu.Lock()
	if h.revoked[device.ID] {
		h.mu.Unlock()
		l.log.Warn("rejected link of revoked device")
		// No writer runs yet, so this goroutine may write the message.
		if data, err := encodeRevoked(); err == nil {
			l.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			l.conn.WriteMessage(websocket.TextMessage, data)
		}
		l.closeWith(websocket.ClosePolicyViolation, "device credential revoked")
		return
	}
	h.links[l] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.links, l)
		h.mu.Unlock()
		h.forgetLink(l)
	}()
	l.run(ctx)
}

// Disconnect sends every link of the device an error message with code
// CodeDeviceRevoked, closes it with a policy-violation close frame and
// rejects the device's future links, for a revoked device. It returns the
// number of links closed.
func (h *Hub) Disconnect(deviceID string) int {
	data, err := encodeRevoked()
	if err != nil {
		h.log.Error("encoding device revoked message", "device_id", deviceID, "error", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.revoked[deviceID] = true
	closed := 0
	for l := range h.links {
		if l.device.ID != deviceID {
			continue
		}
		if data != nil {
			l.send(data)
		}
		l.closeAfterQueued(websocket.ClosePolicyViolation, "device credential revoked")
		closed++
	}
	h.log.Info("disconnected revoked device", "device_id", deviceID, "links", closed)
	return closed
}

// ConnectedDevices returns the ids of the devices with an open link.
func (h *Hub) ConnectedDevices() map[string]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make(map[string]bool, len(h.links))
	for l := range h.links {
		ids[l.device.ID] = true
	}
	return ids
}

// Close closes every link with a going-away close frame, for shutdown.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for l := range h.links {
		l.closeWith(websocket.CloseGoingAway, "server is shutting down")
	}
}

// encodeRevoked returns the error message that tells an agent its device
// was revoked.
func encodeRevoked() ([]byte, error) {
	return protocol.Encode("", &protocol.Error{Code: CodeDeviceRevoked, Message: RevokedMessage})
}

func encodePolicyUpdate(p Policies) ([]byte, error) {
	return protocol.Encode("", &protocol.PolicyUpdate{Revision: p.Revision, Apps: p.Set.ProtocolApps()})
}
