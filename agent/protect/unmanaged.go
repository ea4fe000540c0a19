package protect

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"

	"parapet/agent/label"
	"parapet/agent/protect/parapetfile"
	"parapet/agent/watch"
	"parapet/protocol"
)

// Decider returns the verdict on an action request sent under envelope
// id, from the server or decided locally. agent/relay implements it.
type Decider interface {
	Decide(ctx context.Context, id string, req *protocol.ActionRequest) *protocol.Verdict
}

// handleReady handles one file from the watcher: a pending protect verdict
// claims it first, then a download the extension reported. A file that
// neither claims came from a browser or program without Parapet and is
// decided by handleUnclaimed.
func (p *Protector) handleReady(ctx context.Context, r watch.Ready) {
	if p.isOwnOutput(r.Path) {
		return
	}
	if _, ok := p.Handle(ctx, r); ok {
		return
	}
	if p.reported.take(r) {
		return
	}
	if p.cfg.Decider == nil {
		return
	}
	// Each decision may wait for the server's verdict, so a burst of such
	// files is decided concurrently and does not hold up the pending
	// verdicts of the extension's downloads for longer than the slots
	// take to free up.
	select {
	case p.unclaimed <- struct{}{}:
	case <-ctx.Done():
		return
	}
	p.unclaimedWG.Add(1)
	go func() {
		defer p.unclaimedWG.Done()
		defer func() { <-p.unclaimed }()
		p.handleUnclaimed(ctx, r)
	}()
}

// maxUnclaimed is the number of downloads without the extension decided at
// once.
const maxUnclaimed = 8

// isOwnOutput reports whether the Protector wrote the file at path: a
// .parapet file, a block notice, or a labeled file it has not seen change.
func (p *Protector) isOwnOutput(path string) bool {
	return strings.HasSuffix(path, parapetfile.Extension) || strings.HasSuffix(path, NoticeSuffix) || p.isProduced(path)
}

// handleUnclaimed requests a verdict on a download no extension reported
// and carries it out: protect labels and encrypts the file, block moves it
// to quarantine and leaves a notice, and allow and monitor only log.
func (p *Protector) handleUnclaimed(ctx context.Context, r watch.Ready) {
	req, err := watcherRequest(r)
	if err != nil {
		p.log.Error("download without extension not decided", "path", r.Path, "error", err)
		return
	}
	id := "watch-" + protocol.NewID()
	v := p.cfg.Decider.Decide(ctx, id, req)
	p.log.Info("download without extension decided", "path", r.Path, "request_id", id,
		"app_host", req.AppHost, "decision", v.Decision, "event_id", v.EventID)
	switch v.Decision {
	case protocol.DecisionProtect:
		if v.Protect == nil {
			p.log.Error("protect verdict without protection, file left as is", "path", r.Path, "event_id", v.EventID)
			return
		}
		res, err := p.apply(r.Path, pending{eventID: serverEventID(v.EventID), protection: *v.Protect})
		if err != nil {
			p.log.Error("download not protected", "path", r.Path, "event_id", v.EventID, "error", err)
			return
		}
		p.log.Info("download protected", "path", res.Path, "event_id", v.EventID,
			"label_id", res.Label.ID, "encrypted", res.Encrypted)
		p.report(res)
	case protocol.DecisionBlock:
		q, err := p.quarantine(r.Path, req, v)
		if err != nil {
			p.log.Error("blocked download not quarantined", "path", r.Path, "event_id", v.EventID, "error", err)
			return
		}
		p.log.Warn("download blocked and quarantined", "path", r.Path, "quarantined_as", q.stored,
			"notice", q.notice, "event_id", v.EventID)
	}
}

// serverEventID returns id when the server assigned it, and "" for the
// relay's local ids, which the server cannot update.
func serverEventID(id string) string {
	if strings.HasPrefix(id, "local-") {
		return ""
	}
	return id
}

// watcherRequest builds the action.request for a file the watcher found.
func watcherRequest(r watch.Ready) (*protocol.ActionRequest, error) {
	digest, err := label.FileDigest(r.Path)
	if err != nil {
		return nil, err
	}
	req := &protocol.ActionRequest{
		Activity:  protocol.ActivityDownload,
		AppHost:   "unknown",
		PageURL:   "file:///",
		TargetURL: r.Origin.URL,
		File:      &protocol.FileInfo{Name: filepath.Base(r.Path), Size: r.Size, SHA256: digest},
		TabID:     -1,
		Source:    protocol.SourceWatcher,
	}
	if host := urlHost(r.Origin.URL); host != "" {
		req.AppHost = host
	}
	if referrer := r.Origin.Referrer; referrer != "" && urlHost(referrer) != "" {
		req.PageURL = referrer
	}
	if err := req.Validate(); err != nil {
		// An origin URL too long or invalid for the protocol is dropped
		// rather than losing the decision.
		req.TargetURL, req.PageURL = "", "file:///"
		if err := req.Validate(); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// urlHost returns the host and port of an http or https URL, or "".
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Host
}
