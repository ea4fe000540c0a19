package uplink

import (
	"context"
	"fmt"
	"net"
	"net/netip"

	"parapet/protocol"
)

// ForwardHeld is Forward for callers that understand step-up: a step_up
// verdict is passed to interim and the request stays pending until the
// server's final verdict for it, which ForwardHeld returns. interim runs
// in the goroutine that called ForwardHeld. The caller's ctx bounds the
// whole wait, so it should allow for the step-up.
func (c *Client) ForwardHeld(ctx context.Context, req *protocol.ActionRequest, interim func(*protocol.Verdict)) (*protocol.Verdict, error) {
	s := c.session()
	if s == nil {
		return nil, ErrNotConnected
	}
	id := protocol.NewID()
	p := &pendingRequest{owner: s, result: make(chan result, 1), interim: make(chan *protocol.Verdict, 1)}
	c.pmu.Lock()
	c.pending[id] = p
	c.pmu.Unlock()
	defer c.dropPending(id)

	if err := s.send(id, req); err != nil {
		return nil, err
	}
	for {
		select {
		case v := <-p.interim:
			interim(v)
		case r := <-p.result:
			return r.verdict, r.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// offerInterim hands a step_up verdict to a ForwardHeld request waiting
// for it and reports whether one took it. The request stays pending.
func (c *Client) offerInterim(v *protocol.Verdict) bool {
	c.pmu.Lock()
	p, ok := c.pending[v.RequestID]
	c.pmu.Unlock()
	if !ok || p.interim == nil {
		return false
	}
	select {
	case p.interim <- v:
	default:
		c.cfg.Log.Warn("second step_up verdict dropped", "request_id", v.RequestID)
	}
	return true
}

// sourceDialer returns a dial function bound to the local address ip, or
// nil for an empty ip.
func sourceDialer(ip string) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	if ip == "" {
		return nil, nil
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("binding the server connection: source IP %q: %w", ip, err)
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: addr.AsSlice()}}
	return d.DialContext, nil
}
