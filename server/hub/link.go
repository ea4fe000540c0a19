package hub

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"parapet/protocol"
	"parapet/server/store"
)

// frame is one queued write: a text message, or with data nil, a close
// frame sent after the messages queued before it.
type frame struct {
	data      []byte
	closeCode int
	closeText string
}

// link is one agent's websocket connection. The read loop runs in the
// goroutine that called Serve, and writes go through one writer goroutine.
type link struct {
	hub      *Hub
	conn     *websocket.Conn
	device   store.Device
	sourceIP string
	log      *slog.Logger

	outgoing  chan frame
	done      chan struct{}
	closeOnce sync.Once
	// writerDone is closed when writeLoop returns.
	writerDone chan struct{}

	lastTouch time.Time
	errors    int
	// posture holds the facts of the agent's latest posture report, for
	// policy decisions. Only the read loop uses it.
	posture map[string]string
}

func newLink(h *Hub, conn *websocket.Conn, device store.Device, sourceIP string) *link {
	return &link{
		hub:      h,
		conn:     conn,
		device:   device,
		sourceIP: sourceIP,
		log:      h.log.With("device_id", device.ID, "source_ip", sourceIP),
		outgoing: make(chan frame, sendQueueLength),
		done:     make(chan struct{}),

		writerDone: make(chan struct{}),
	}
}

func (l *link) run(ctx context.Context) {
	l.log.Info("agent connected", "user", l.device.User)
	defer l.log.Info("agent disconnected")
	defer l.close()

	go l.writeLoop()
	stop := context.AfterFunc(ctx, func() { l.closeWith(websocket.CloseGoingAway, "server is shutting down") })
	defer stop()

	l.touch(time.Now())
	l.sendBody(&protocol.Hello{Peer: "server", Software: l.hub.software, DeviceID: l.device.ID, User: l.device.User})
	if data, err := encodePolicyUpdate(l.hub.Policies()); err != nil {
		l.log.Error("encoding policy update", "error", err)
	} else {
		l.send(data)
	}

	l.conn.SetReadLimit(protocol.MaxMessageSize)
	l.conn.SetPongHandler(func(string) error { return l.extendReadDeadline() })
	for {
		if err := l.extendReadDeadline(); err != nil {
			return
		}
		_, data, err := l.conn.ReadMessage()
		if err != nil {
			l.logReadError(err)
			return
		}
		if !l.handle(ctx, data) {
			l.waitForWriter()
			return
		}
	}
}

func (l *link) extendReadDeadline() error {
	return l.conn.SetReadDeadline(time.Now().Add(readTimeout))
}

func (l *link) logReadError(err error) {
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
		return
	}
	select {
	case <-l.done:
		// The server closed the link itself and logged why.
		return
	default:
	}
	l.log.Info("reading from agent", "error", err)
}

// waitForWriter gives the writer up to writeTimeout to send what is queued,
// including a close frame.
func (l *link) waitForWriter() {
	select {
	case <-l.writerDone:
	case <-time.After(writeTimeout):
	}
}

// writeLoop sends queued messages and keepalive pings until the link closes.
func (l *link) writeLoop() {
	defer close(l.writerDone)
	ticker := time.NewTicker(pingInterval)
	defer ticker.Stop()
	for {
		select {
		case <-l.done:
			return
		case f := <-l.outgoing:
			if f.data == nil {
				l.closeWith(f.closeCode, f.closeText)
				return
			}
			l.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := l.conn.WriteMessage(websocket.TextMessage, f.data); err != nil {
				l.log.Info("writing to agent", "error", err)
				l.close()
				return
			}
		case <-ticker.C:
			deadline := time.Now().Add(writeTimeout)
			if err := l.conn.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				l.log.Info("pinging agent", "error", err)
				l.close()
				return
			}
		}
	}
}

// send queues data for the writer. A link whose queue is full is dropped
// rather than letting one slow agent block the hub.
func (l *link) send(data []byte) {
	select {
	case <-l.done:
	case l.outgoing <- frame{data: data}:
	default:
		l.log.Warn("dropping link because the agent is not reading", "queued", sendQueueLength)
		l.closeWith(websocket.CloseTryAgainLater, "too many unread messages")
	}
}

// closeAfterQueued closes the link with code and text once the writer has
// sent the messages queued so far.
func (l *link) closeAfterQueued(code int, text string) {
	select {
	case <-l.done:
	case l.outgoing <- frame{closeCode: code, closeText: text}:
	default:
		l.closeWith(code, text)
	}
}

// sendBody encodes body with a fresh id and queues it.
func (l *link) sendBody(body protocol.Body) {
	data, err := protocol.Encode("", body)
	if err != nil {
		l.log.Error("encoding message", "type", body.MessageType(), "error", err)
		return
	}
	l.send(data)
}

// closeWith sends a close frame with code and text, then closes the link.
func (l *link) closeWith(code int, text string) {
	deadline := time.Now().Add(writeTimeout)
	err := l.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), deadline)
	if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		l.log.Debug("sending close frame", "error", err)
	}
	l.close()
}

func (l *link) close() {
	l.closeOnce.Do(func() {
		close(l.done)
		l.conn.Close()
	})
}

// touch updates the device's last_seen_at and last_ip, at most once per
// touchInterval.
func (l *link) touch(now time.Time) {
	if now.Sub(l.lastTouch) < touchInterval {
		return
	}
	l.lastTouch = now
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := l.hub.store.TouchDevice(ctx, l.device.ID, now, l.sourceIP); err != nil {
		l.log.Error("updating last seen time", "error", err)
	}
}
