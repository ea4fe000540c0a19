package bridge

import (
	"context"
	"errors"
	"sync"
	"time"

	"parapet/protocol"

	"github.com/gorilla/websocket"
)

const (
	writeTimeout = 10 * time.Second
	// pingInterval is how often the bridge pings the extension. A link
	// without any frame for three intervals is closed.
	pingInterval = 30 * time.Second
	// maxInFlight bounds the action requests one connection has waiting
	// for a verdict. Further reads wait for a free slot.
	maxInFlight = 32
)

// codeUnexpectedType is sent for a known message type that the extension
// must not send, such as a verdict.
const codeUnexpectedType = "unexpected_type"

// rateLimited answers an action request over the connection's rate with
// a block, which the extension shows like any other, so a flood of fake
// activities neither reaches the server nor passes unchecked.
func (c *conn) rateLimited(id string) {
	c.srv.cfg.Log.Warn("extension action rate exceeded", "origin", c.origin, "request_id", id)
	c.send("", &protocol.Verdict{RequestID: id, Decision: protocol.DecisionBlock, PolicyIDs: []string{},
		Message: "Too many actions in a short time. Wait a moment and try again.",
		Reason:  "The agent received more action requests from this browser than it accepts per second."})
}

type conn struct {
	srv    *Server
	ws     *websocket.Conn
	origin string
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool

	uploads uploadTable
	// actions limits the action requests this connection may send.
	actions *bucket
}

func (s *Server) serveConn(ws *websocket.Conn, origin string) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{srv: s, ws: ws, origin: origin, ctx: ctx, cancel: cancel,
		actions: newBucket(actionRate, actionBurst, time.Now())}
	s.add(c)
	s.cfg.Log.Info("extension connected", "origin", origin)
	defer func() {
		s.remove(c)
		c.close()
		s.cfg.Log.Info("extension disconnected", "origin", origin)
	}()
	go c.keepAlive()
	c.readLoop()
}

func (c *conn) readLoop() {
	c.ws.SetReadLimit(protocol.MaxMessageSize)
	// Until a hello arrives, other messages do not extend the deadline, so
	// a connection that never says hello is closed after helloTimeout.
	c.ws.SetReadDeadline(time.Now().Add(helloTimeout))
	greeted := false
	c.ws.SetPongHandler(func(string) error {
		c.srv.touch()
		return c.ws.SetReadDeadline(time.Now().Add(3 * pingInterval))
	})
	inflight := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.discardUploads()
	spawn := func(run func()) {
		inflight <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-inflight }()
			run()
		}()
	}
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		c.srv.touch()
		if greeted {
			c.ws.SetReadDeadline(time.Now().Add(3 * pingInterval))
		}
		if kind != websocket.TextMessage {
			c.reject(&protocol.DecodeError{Code: protocol.CodeMalformed, Err: errors.New("binary frames are not accepted")})
			continue
		}
		msg, err := protocol.Decode(data)
		if err != nil {
			c.reject(err)
			continue
		}
		if _, ok := msg.Payload.(*protocol.Hello); ok && !greeted {
			greeted = true
			c.ws.SetReadDeadline(time.Now().Add(3 * pingInterval))
		}
		switch body := msg.Payload.(type) {
		case *protocol.ActionRequest:
			if !c.actions.take(time.Now()) {
				c.rateLimited(msg.ID)
				continue
			}
			prepare(body)
			c.srv.cfg.Uploads.InspectPaste(body)
			if !c.beginUpload(msg.ID, body) {
				spawn(func() { c.relay(msg.ID, body) })
			}
			continue
		case *protocol.UploadChunk:
			c.addChunk(msg.ID, body, spawn)
			continue
		}
		c.handle(msg)
	}
}

func (c *conn) handle(msg *protocol.Message) {
	switch body := msg.Payload.(type) {
	case *protocol.Hello:
		c.greet(body)
	case *protocol.Ping:
		c.send("", &protocol.Pong{})
	case *protocol.Pong:
	default:
		c.send("", &protocol.Error{Code: codeUnexpectedType, RefID: msg.ID,
			Message: "message type " + string(msg.Type) + " is not accepted from the extension"})
	}
}

func (c *conn) greet(h *protocol.Hello) {
	cfg := c.srv.cfg
	cfg.Log.Info("extension hello received", "origin", c.origin, "software", h.Software)
	reply := &protocol.Hello{Peer: "agent", Software: cfg.Software, DeviceID: cfg.DeviceID(), User: cfg.User}
	if err := c.send("", reply); err != nil {
		return
	}
	if u := cfg.Policy(); u != nil {
		c.send("", u)
	}
}

func (c *conn) relay(id string, req *protocol.ActionRequest) {
	v := c.decide(id, req)
	if err := c.send("", v); err != nil {
		c.srv.cfg.Log.Warn("verdict not sent to extension", "request_id", id, "error", err)
	}
}

func (c *conn) reject(err error) {
	var de *protocol.DecodeError
	if !errors.As(err, &de) {
		de = &protocol.DecodeError{Code: protocol.CodeMalformed, Err: err}
	}
	c.srv.cfg.Log.Warn("invalid message from extension", "origin", c.origin, "code", de.Code, "ref_id", de.RefID)
	c.send("", de.Reply())
}

func (c *conn) keepAlive() {
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			c.mu.Lock()
			err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

// send writes one message. gorilla/websocket allows one writer at a time,
// so writes hold c.mu.
func (c *conn) send(id string, body protocol.Body) error {
	data, err := protocol.Encode(id, body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("extension connection closed")
	}
	c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, data)
}

func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	c.cancel()
	c.ws.Close()
}
