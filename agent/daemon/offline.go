package daemon

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"parapet/agent/offline"
	"parapet/agent/relay"
	"parapet/protocol"
)

// postureTTL is how long offline decisions reuse a collected posture.
const postureTTL = 10 * time.Minute

// offlineParts are the signed policy bundle cache, its refresher and the
// local decisions made from it.
type offlineParts struct {
	d         *Daemon
	cache     *offline.Cache
	refresher *offline.Refresher
	// relay is set by build; the watcher's requests go through it.
	relay *relay.Relay

	mu          sync.Mutex
	posture     map[string]string
	postureTime time.Time
}

// openOffline opens the bundle cache in the state folder and prepares its
// refresher. Only an invalid pinned key file fails, since a restart cannot
// fix it.
func (d *Daemon) openOffline() error {
	cache, err := offline.Open(d.cfg.StateDir, d.log.With("component", "bundle"))
	if err != nil {
		return err
	}
	o := &offlineParts{d: d, cache: cache}
	r := offline.NewRefresher()
	r.Cache = cache
	r.Client = &offline.Client{ServerURL: d.cfg.ServerURL,
		HTTP: &http.Client{Transport: &http.Transport{TLSClientConfig: d.tls}, Timeout: 30 * time.Second}}
	r.Credential = func() (string, error) {
		e, err := d.store.Load()
		if err != nil {
			return "", fmt.Errorf("loading device credential: %w", err)
		}
		return e.Credential, nil
	}
	r.OnRevoked = func(msg string) { d.uplink.Revoke(msg) }
	r.Log = d.log.With("component", "bundle")
	o.refresher = r
	d.offline = o
	return nil
}

// DecideLocally implements relay.LocalDecider: a revoked device blocks
// every action with the server's message, and otherwise the cached bundle
// decides when there is one.
func (o *offlineParts) DecideLocally(req *protocol.ActionRequest, cause string) (*protocol.Verdict, bool) {
	if msg, revoked := o.d.uplink.Revoked(); revoked {
		return &protocol.Verdict{Decision: protocol.DecisionBlock, Message: msg, PolicyIDs: []string{},
			Reason: "Blocked locally because the server revoked this device."}, true
	}
	set := o.cache.Current()
	if set == nil {
		return nil, false
	}
	facts := offline.Facts{User: o.d.cfg.User, DeviceID: o.d.uplink.DeviceID(), Posture: o.postureFacts()}
	dec := set.Decide(req, facts, cause)
	v := dec.Verdict
	o.d.log.Info("decided offline", "component", "bundle", "revision", set.Revision, "app_host", req.AppHost,
		"decision", v.Decision, "fail_mode", dec.FailMode)
	if v.Decision == protocol.DecisionProtect && req.Source != protocol.SourceWatcher && o.d.files.protector != nil {
		// The server cannot update an activity it has not logged yet, so
		// the offline protection is carried out without an event id and
		// reported only by the queued activity.report.
		expect := v
		o.d.files.protector.Expect(req, &expect)
	}
	return &v, true
}

// postureFacts returns the local posture facts, collecting them at most
// once per postureTTL. A failed collection gives no facts, so posture
// conditions fail.
func (o *offlineParts) postureFacts() map[string]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.posture != nil && time.Since(o.postureTime) < postureTTL {
		return o.posture
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	report, err := o.d.collectWire(ctx)
	if err != nil {
		o.d.log.Warn("posture not collected for offline decisions", "component", "bundle", "error", err)
		return nil
	}
	o.posture, o.postureTime = offline.PostureFacts(report), time.Now()
	return o.posture
}

// notifyRevision passes the server's policy revision to the refresher.
func (o *offlineParts) notifyRevision(revision int64) { o.refresher.Notify(revision) }

// watcherDecider sends the watcher's requests through the relay, which
// build creates after the protector.
type watcherDecider struct{ o *offlineParts }

func (w watcherDecider) Decide(ctx context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict {
	return w.o.relay.Decide(ctx, id, req)
}

// reportingDecider is the bridge's decider. It records each download the
// extension reports with the protector, so the watcher does not take it
// for a download without the extension, and then calls the relay.
type reportingDecider struct {
	relay *relay.Relay
	d     *Daemon
}

func (r reportingDecider) Decide(ctx context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict {
	r.d.files.protector.Reported(req)
	return r.relay.Decide(ctx, id, req)
}

func (r reportingDecider) DecideHeld(ctx context.Context, id string, req *protocol.ActionRequest, interim func(*protocol.Verdict)) *protocol.Verdict {
	r.d.files.protector.Reported(req)
	return r.relay.DecideHeld(ctx, id, req, interim)
}
