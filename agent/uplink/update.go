package uplink

import (
	"context"

	"parapet/protocol"
)

// SendUpdate sends an activity.update under envelope id and waits for the
// server's ack or an error that refers to it, the end of the link or ctx.
// It returns ErrNotConnected at once when the link is down. Callers that
// retry pass the same id, so the server can drop a repeated update.
func (c *Client) SendUpdate(ctx context.Context, id string, u *protocol.ActivityUpdate) error {
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	p := &pendingRequest{owner: s, result: make(chan result, 1)}
	c.pmu.Lock()
	c.pending[id] = p
	c.pmu.Unlock()
	defer c.dropPending(id)

	if err := s.send(id, u); err != nil {
		return err
	}
	select {
	case r := <-p.result:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
