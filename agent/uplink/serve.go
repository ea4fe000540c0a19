package uplink

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// serve runs one session until the link fails or ctx is cancelled.
func (c *Client) serve(ctx context.Context, s *session) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		s.close()
		c.setSession(nil)
		c.failPending(s)
		wg.Wait()
	}()

	if err := c.greet(ctx, s); err != nil {
		return err
	}
	c.setSession(s)

	wg.Add(3)
	go func() { defer wg.Done(); c.deliver(ctx, s) }()
	go func() { defer wg.Done(); c.keepAlive(ctx, s) }()
	go func() { defer wg.Done(); <-ctx.Done(); s.close() }()
	return c.readLoop(s)
}

// greet sends the agent's hello and a posture report.
func (c *Client) greet(ctx context.Context, s *session) error {
	hello := &protocol.Hello{Peer: "agent", Software: c.cfg.Software, DeviceID: c.DeviceID(), User: c.cfg.User}
	if err := s.send("", hello); err != nil {
		return err
	}
	report, err := c.cfg.Posture(ctx)
	if err != nil {
		c.cfg.Log.Warn("posture collection failed", "error", err)
		return nil
	}
	return s.send("", report)
}

func (c *Client) keepAlive(ctx context.Context, s *session) {
	t := time.NewTicker(c.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.ping(); err != nil {
				return
			}
			if err := s.send("", &protocol.Ping{}); err != nil {
				return
			}
		}
	}
}

func (c *Client) readLoop(s *session) error {
	idle := 3 * c.cfg.PingInterval
	s.ws.SetReadDeadline(time.Now().Add(idle))
	s.ws.SetPongHandler(func(string) error {
		return s.ws.SetReadDeadline(time.Now().Add(idle))
	})
	for {
		kind, data, err := s.ws.ReadMessage()
		if err != nil {
			return fmt.Errorf("reading from server: %w", err)
		}
		s.ws.SetReadDeadline(time.Now().Add(idle))
		if kind != websocket.TextMessage {
			continue
		}
		c.handle(s, data)
	}
}

func (c *Client) handle(s *session, data []byte) {
	msg, err := protocol.Decode(data)
	if err != nil {
		c.rejectMessage(s, err)
		return
	}
	switch body := msg.Payload.(type) {
	case *protocol.Hello:
		c.cfg.Log.Info("server hello received", "software", body.Software, "device_id", body.DeviceID)
	case *protocol.PolicyUpdate:
		c.cfg.OnPolicy(body)
	case *protocol.Verdict:
		if body.Decision == protocol.DecisionStepUp && c.offerInterim(body) {
			return
		}
		if !c.resolve(body.RequestID, result{verdict: body}) {
			c.cfg.Log.Info("late verdict dropped", "request_id", body.RequestID)
		}
	case *protocol.Ack:
		if c.resolve(body.RefID, result{}) {
			return
		}
		s.offerAck(ackResult{id: body.RefID})
	case *protocol.AccessChanged:
		c.cfg.Log.Info("access change received", "user", body.User, "state", body.State)
		if c.cfg.OnAccessChanged != nil {
			c.cfg.OnAccessChanged(body)
		}
	case *protocol.Error:
		c.handleError(s, body)
	case *protocol.Ping:
		s.send("", &protocol.Pong{})
	case *protocol.Pong:
	default:
		c.cfg.Log.Warn("unexpected message from server", "type", msg.Type, "id", msg.ID)
	}
}

func (c *Client) rejectMessage(s *session, err error) {
	c.cfg.Log.Warn("invalid message from server", "error", err)
	var de *protocol.DecodeError
	if errors.As(err, &de) {
		s.send("", de.Reply())
	}
}

func (c *Client) handleError(s *session, e *protocol.Error) {
	if e.Code == CodeDeviceRevoked {
		c.Revoke(e.Message)
	}
	if e.RefID != "" && c.resolve(e.RefID, result{err: &errServer{body: e}}) {
		return
	}
	if e.RefID != "" {
		s.offerAck(ackResult{id: e.RefID, rejected: &errServer{body: e}})
	}
	c.cfg.Log.Warn("error message from server", "code", e.Code, "message", e.Message, "ref_id", e.RefID)
}
