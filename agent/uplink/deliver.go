package uplink

import (
	"context"
	"strings"

	"parapet/agent/queue"
)

// deliveryWindow is the number of activity reports sent before the first
// of them must be acknowledged.
const deliveryWindow = 32

// deliver sends the queued activity reports in FIFO order and deletes each
// only after the server's ack. Items sent but not acked when the link ends
// stay queued and are sent again on the next session, which the server
// tolerates because it logs each activity once by request id.
func (c *Client) deliver(ctx context.Context, s *session) {
	q := c.cfg.Queue
	inflight := map[string]string{} // envelope id → item name
	cursor := ""
	for {
		cursor = c.fill(s, q, inflight, cursor)
		select {
		case <-ctx.Done():
			return
		case <-q.Notify():
		case a := <-s.acks:
			c.settle(q, inflight, a)
		}
	}
}

// fill sends items after cursor until the window is full and returns the
// new cursor.
func (c *Client) fill(s *session, q *queue.Queue, inflight map[string]string, cursor string) string {
	for len(inflight) < deliveryWindow {
		item, ok := q.After(cursor)
		if !ok {
			return cursor
		}
		id := envelopeID(item.Name)
		if err := s.send(id, &item.Report); err != nil {
			c.cfg.Log.Warn("activity report not sent", "item", item.Name, "error", err)
			return cursor
		}
		inflight[id] = item.Name
		cursor = item.Name
	}
	return cursor
}

func (c *Client) settle(q *queue.Queue, inflight map[string]string, a ackResult) {
	name, ok := inflight[a.id]
	if !ok {
		return
	}
	delete(inflight, a.id)
	if a.rejected != nil {
		c.cfg.Log.Error("activity report rejected, kept for the next connection", "item", name, "error", a.rejected)
		return
	}
	if err := q.Remove(name); err != nil {
		c.cfg.Log.Error("delivered activity report not removed", "item", name, "error", err)
	}
}

// envelopeID derives a stable envelope id from a queue item's name, so a
// redelivered report carries the same id as before.
func envelopeID(name string) string {
	return "activity-" + strings.TrimSuffix(name, ".json")
}
