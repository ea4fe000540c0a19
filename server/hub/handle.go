package hub

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gorilla/websocket"

	"parapet/protocol"
	"parapet/server/policy"
	"parapet/server/store"
)

// Error codes the hub sends besides the decoder's codes.
const (
	// CodeUnexpectedType rejects a known type that agents must not send
	// to the server, such as verdict.
	CodeUnexpectedType = "unexpected_type"
	// CodeInternal means the server could not handle a valid message, for
	// example because the activity log could not be written. The agent
	// treats it like a missing verdict.
	CodeInternal = "internal_error"
	// CodeDeviceRevoked tells the agent that an admin revoked its device
	// or that the machine enrolled again, just before the server closes
	// the link. The agent shows RevokedMessage to the user and stops
	// reconnecting with the credential.
	CodeDeviceRevoked = "device_revoked"
)

// CodeAgentTimeAdjusted marks an agent-reported activity whose time was
// ahead of the server's clock by more than maxClockSkew and was replaced
// with the time the report arrived.
const CodeAgentTimeAdjusted = "agent_time_adjusted"

// maxClockSkew is how far ahead of the server's clock an agent's report
// time may be.
const maxClockSkew = 5 * time.Minute

// RevokedMessage is the message of a CodeDeviceRevoked error, written for
// the user of the device.
const RevokedMessage = "This device is no longer trusted by your organization. Contact IT."

// storeTimeout bounds each database call made for one message.
const storeTimeout = 10 * time.Second

// handle processes one incoming message and reports whether the link stays
// open.
func (l *link) handle(ctx context.Context, data []byte) bool {
	now := time.Now()
	l.touch(now)
	msg, err := protocol.Decode(data)
	if err != nil {
		var decodeErr *protocol.DecodeError
		if !errors.As(err, &decodeErr) {
			decodeErr = &protocol.DecodeError{Code: protocol.CodeMalformed, Err: err}
		}
		l.log.Info("rejected message from agent", "code", decodeErr.Code, "ref_id", decodeErr.RefID, "error", decodeErr.Err)
		return l.reject(decodeErr.Reply())
	}
	l.errors = 0

	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	switch body := msg.Payload.(type) {
	case *protocol.Hello:
		l.handleHello(body)
	case *protocol.Ping:
		l.sendBody(&protocol.Pong{})
	case *protocol.Pong:
	case *protocol.PostureReport:
		l.handlePosture(ctx, body)
	case *protocol.ActionRequest:
		l.handleAction(ctx, msg.ID, body, now)
	case *protocol.ActivityReport:
		l.handleReport(ctx, msg.ID, body)
	case *protocol.ActivityUpdate:
		return l.handleUpdate(ctx, msg.ID, body)
	case *protocol.Error:
		l.log.Warn("agent reported an error", "code", body.Code, "ref_id", body.RefID, "message", body.Message)
	default:
		l.log.Info("rejected message from agent", "code", CodeUnexpectedType, "type", msg.Type, "ref_id", msg.ID)
		return l.reject(&protocol.Error{Code: CodeUnexpectedType, RefID: msg.ID,
			Message: "the server does not accept " + string(msg.Type) + " messages from agents"})
	}
	return true
}

// handleUpdate records what the agent did to a downloaded file and acks
// it. An update for an activity of another device is rejected like an
// unknown one, so a device cannot learn or change other devices' records.
func (l *link) handleUpdate(ctx context.Context, id string, u *protocol.ActivityUpdate) bool {
	stored := store.StoredFile{Encryption: u.Encrypted, SHA256: u.SHA256, FileName: u.FileName}
	if u.Label != nil {
		stored.Label = u.Label.ID
	}
	err := l.hub.store.UpdateStoredFile(ctx, l.device.ID, u.EventID, stored)
	if errors.Is(err, store.ErrNotFound) {
		l.log.Info("rejected activity update", "event_id", u.EventID, "error", err)
		return l.reject(&protocol.Error{Code: protocol.CodeInvalidField, RefID: id,
			Message: "body.event_id: no activity " + u.EventID + " of this device"})
	}
	if err != nil {
		l.log.Error("updating activity", "event_id", u.EventID, "error", err)
		l.sendBody(&protocol.Error{Code: CodeInternal, RefID: id, Message: "the server could not store the update"})
		return true
	}
	l.sendBody(&protocol.Ack{RefID: id})
	return true
}

// reject sends an error reply and counts it. After maxConsecutiveErrors
// rejected messages in a row, it closes the link and returns false.
func (l *link) reject(reply *protocol.Error) bool {
	reply.Message = protocol.ReplyText(reply.Message)
	l.sendBody(reply)
	l.errors++
	if l.errors < maxConsecutiveErrors {
		return true
	}
	l.log.Warn("closing link after too many rejected messages", "count", l.errors)
	l.closeAfterQueued(websocket.ClosePolicyViolation, "too many invalid messages")
	return false
}

func (l *link) handleHello(h *protocol.Hello) {
	if h.DeviceID != "" && h.DeviceID != l.device.ID {
		l.log.Warn("agent hello names another device", "hello_device_id", h.DeviceID)
	}
	l.log.Debug("agent hello", "peer", h.Peer, "software", h.Software)
}

func (l *link) handlePosture(ctx context.Context, p *protocol.PostureReport) {
	l.posture = postureFacts(p)
	data, err := json.Marshal(p)
	if err != nil {
		l.log.Error("encoding posture", "error", err)
		return
	}
	if err := l.hub.store.SetPosture(ctx, l.device.ID, data); err != nil {
		l.log.Error("storing posture", "error", err)
	}
}

// postureFacts returns the facts of a posture report under the names that
// posture profiles use. A probe that found the feature enabled gives
// "true", disabled gives "false", and an unknown result gives no fact, so
// a profile that requires it does not match.
func postureFacts(p *protocol.PostureReport) map[string]string {
	facts := map[string]string{
		policy.FactOS:           p.OS,
		policy.FactOSVersion:    p.PlatformVersion,
		policy.FactAgentVersion: p.AgentVersion,
		"platform":              p.Platform,
		"kernel_version":        p.KernelVersion,
		"credential_store":      p.CredentialStore,
	}
	checks := map[string]*protocol.PostureCheck{
		policy.FactDiskEncryption: p.DiskEncryption,
		policy.FactFirewall:       p.Firewall,
		policy.FactScreenLock:     p.ScreenLock,
		"auto_updates":            p.AutoUpdates,
	}
	for name, check := range checks {
		switch {
		case check == nil:
		case check.State == protocol.PostureEnabled:
			facts[name] = "true"
		case check.State == protocol.PostureDisabled:
			facts[name] = "false"
		}
	}
	for name, value := range facts {
		if value == "" {
			delete(facts, name)
		}
	}
	return facts
}

func (l *link) handleReport(ctx context.Context, messageID string, r *protocol.ActivityReport) {
	at := r.DecidedAt
	var codes []string
	// An agent clock ahead of the server's would sort the report above
	// everything that happens later, so such a time is replaced with the
	// time of arrival and the activity says so.
	if now := time.Now(); at.After(now.Add(maxClockSkew)) {
		l.log.Info("activity report from the future", "request_id", r.RequestID, "decided_at", at)
		at = now
		codes = append(codes, CodeAgentTimeAdjusted)
	}
	a := l.activity(&r.Request, r.RequestID, at)
	a.Codes = codes
	if app := l.hub.Policies().Set.AppForHost(r.Request.AppHost); app != nil {
		a.AppID = app.ID
	}
	a.Decision = string(r.Decision)
	a.Reason = r.Reason
	a.DecidedBy = store.DecidedByAgent
	inserted, err := l.hub.store.InsertActivity(ctx, a)
	if err != nil {
		l.log.Error("logging reported activity", "request_id", r.RequestID, "error", err)
		l.sendBody(&protocol.Error{Code: CodeInternal, RefID: messageID,
			Message: "the server could not log this activity; send it again later"})
		return
	}
	if !inserted {
		l.log.Debug("activity report already logged", "request_id", r.RequestID)
	}
	l.sendBody(&protocol.Ack{RefID: messageID})
}

// activity returns an activity log entry for req with the link's device,
// user and source IP filled in.
func (l *link) activity(req *protocol.ActionRequest, requestID string, at time.Time) store.Activity {
	a := store.Activity{
		ID:        "act-" + protocol.NewID(),
		Time:      at.UTC(),
		User:      l.device.User,
		DeviceID:  l.device.ID,
		AppHost:   req.AppHost,
		Activity:  string(req.Activity),
		PageURL:   req.PageURL,
		TargetURL: req.TargetURL,
		SourceIP:  l.sourceIP,
		RequestID: requestID,
	}
	if req.File != nil {
		size := req.File.Size
		a.FileName = req.File.Name
		a.FileSize = &size
		a.FileMIME = req.File.MIMEType
		a.FileDetectors = req.File.Detectors
		if req.File.Label != nil {
			a.FileLabel = req.File.Label.ID
		}
	}
	return a
}
