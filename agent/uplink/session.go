package uplink

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"parapet/protocol"

	"github.com/gorilla/websocket"
)

// writeTimeout bounds one websocket write.
const writeTimeout = 10 * time.Second

// session is one established websocket link to the server.
type session struct {
	ws   *websocket.Conn
	acks chan ackResult
	done chan struct{}

	mu     sync.Mutex
	closed bool
}

// ackResult is the server's answer to one activity.report: an ack, or an
// error that refers to it.
type ackResult struct {
	id       string
	rejected error
}

func newSession(ws *websocket.Conn) *session {
	return &session{ws: ws, acks: make(chan ackResult, deliveryWindow*2), done: make(chan struct{})}
}

// send encodes body in an envelope with the given id (a fresh one when
// empty) and writes it. gorilla/websocket allows one writer at a time, so
// writes are serialized.
func (s *session) send(id string, body protocol.Body) error {
	data, err := protocol.Encode(id, body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrNotConnected
	}
	s.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := s.ws.WriteMessage(websocket.TextMessage, data); err != nil {
		return fmt.Errorf("sending %s: %w", body.MessageType(), err)
	}
	return nil
}

func (s *session) ping() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrNotConnected
	}
	return s.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
}

// close closes the link once. Later sends return ErrNotConnected.
func (s *session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	s.ws.Close()
}

// offerAck hands an ack or rejection to the delivery loop. It drops the
// ack when the buffer is full, which only a server that acks unsent items
// causes, and the item is then sent again after the next reconnect.
func (s *session) offerAck(a ackResult) {
	select {
	case s.acks <- a:
	default:
	}
}

// ErrNotConnected is returned when the server link is down.
var ErrNotConnected = errors.New("not connected to parapet-server")
