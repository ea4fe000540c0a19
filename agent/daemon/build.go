package daemon

import (
	"context"
	"net/http"
	"time"

	"parapet/agent/bridge"
	"parapet/agent/credential"
	"parapet/agent/posture"
	"parapet/agent/relay"
	"parapet/agent/runner"
	"parapet/agent/uplink"
	"parapet/agent/version"
	"parapet/protocol"
)

func (d *Daemon) build() {
	d.posture = &posture.Collector{
		AgentVersion:    version.Version,
		Started:         time.Now(),
		CredentialStore: d.store.Kind,
	}
	d.uplink = uplink.New(uplink.Config{
		ServerURL:  d.cfg.ServerURL,
		TLS:        d.tls,
		Credential: d.obtainCredential,
		User:       d.cfg.User,
		Software:   "parapet-agent " + version.Version,
		Posture:    d.collectWire,
		OnPolicy:   d.applyPolicy,
		OnAccessChanged: func(change *protocol.AccessChanged) {
			d.bridge.BroadcastAccess(change)
		},
		SourceIP:     d.cfg.UplinkSourceIP,
		Queue:        d.queue,
		ReconnectMin: d.cfg.ReconnectMin,
		ReconnectMax: d.cfg.ReconnectMax,
		Log:          d.log.With("component", "uplink"),
	})
	r := &relay.Relay{Uplink: d.uplink, Policy: d.cache, Queue: d.queue, Protector: d.files.protector,
		Timeout: d.cfg.VerdictTimeout, StepUpTimeout: d.cfg.StepUpWait(), Log: d.log.With("component", "relay"),
		Local: d.offline}
	d.offline.relay = r
	d.bridge = bridge.New(bridge.Config{
		AllowedIDs: d.cfg.AllowedExtensionIDs,
		Decider:    reportingDecider{relay: r, d: d},
		DeviceID:   d.uplink.DeviceID,
		Policy:     d.cache.Current,
		User:       d.cfg.User,
		Software:   "parapet-agent " + version.Version,
		Log:        d.log.With("component", "bridge"),
		Uploads:    d.files.uploads,
	})
	d.posture.Extension = d.bridge
}

// collectWire collects a full report and returns its posture.report body.
func (d *Daemon) collectWire(ctx context.Context) (*protocol.PostureReport, error) {
	r, err := d.posture.Collect(ctx)
	if err != nil {
		return nil, err
	}
	return r.Wire(), nil
}

// obtainCredential returns the stored credential or enrolls. The token is
// read only when enrolling, so a token file may be deleted afterwards.
func (d *Daemon) obtainCredential(ctx context.Context) (protocol.EnrollResponse, error) {
	token, err := d.cfg.EnrollToken()
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	host, err := posture.Collect(ctx, version.Version)
	if err != nil {
		return protocol.EnrollResponse{}, err
	}
	e := &credential.Enroller{
		Client:    &http.Client{Transport: &http.Transport{TLSClientConfig: d.tls}},
		ServerURL: d.cfg.ServerURL,
		Request:   protocol.EnrollRequest{Token: token, User: d.cfg.User, Hostname: host.Hostname, HostID: host.HostID},
	}
	return credential.Obtain(ctx, d.store, e)
}

// applyPolicy caches an update from the server and pushes it to the
// extensions when it differs from the cached one.
func (d *Daemon) applyPolicy(u *protocol.PolicyUpdate) {
	d.offline.notifyRevision(u.Revision)
	changed, err := d.cache.Set(u)
	if err != nil {
		d.log.Error("policy cache not written", "component", "policy", "error", err)
	}
	if !changed {
		return
	}
	d.log.Info("policy updated", "component", "policy", "revision", u.Revision, "apps", len(u.Apps))
	d.bridge.Broadcast(u)
}

// Run runs the bridge, the uplink and the posture loop until ctx is
// cancelled or one of them fails.
func (d *Daemon) Run(ctx context.Context) error {
	var g runner.Group
	g.Add("bridge", func(ctx context.Context) error { return d.bridge.Serve(ctx, d.ln) })
	g.Add("uplink", d.uplink.Run)
	g.Add("files", d.runFiles)
	g.Add("bundle", d.offline.refresher.Run)
	loop := &posture.Loop{Interval: d.cfg.PostureInterval, Collect: d.posture.Collect, Sender: d.uplink,
		Log: d.log.With("component", "posture")}
	g.Add("posture", loop.Run)
	return g.Run(ctx, d.log.With("component", "runner"))
}

// BridgeAddr returns the address the bridge listens on.
func (d *Daemon) BridgeAddr() string { return d.ln.Addr().String() }
