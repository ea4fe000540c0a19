// Package protect carries out protect verdicts on downloads. It remembers
// each verdict until the download watcher reports the file, writes the
// verdict's sensitivity label into it, encrypts it into a .parapet file
// when the verdict asks for encryption, records the result in the label
// ledger and reports it to the server with an activity.update.
package protect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"parapet/agent/label"
	"parapet/agent/protect/parapetfile"
	"parapet/agent/watch"
	"parapet/protocol"
)

// Config sets up a Protector.
type Config struct {
	// Ledger records every file the Protector labels.
	Ledger *label.Ledger
	// Sender delivers activity updates to the server.
	Sender UpdateSender
	// OutboxDir keeps the updates not delivered yet. It is created with
	// mode 0700.
	OutboxDir string
	// TTL is how long a verdict waits for its file. Zero means DefaultTTL.
	TTL time.Duration
	// Decider decides the downloads that neither a pending verdict nor a
	// download the extension reported claims. Nil leaves them alone.
	Decider Decider
	// QuarantineDir receives the files of such downloads that are
	// blocked. It is created with mode 0700 when first needed.
	QuarantineDir string
	Log           *slog.Logger
}

// Protector applies protect verdicts to downloaded files. Its methods are
// safe for concurrent use.
type Protector struct {
	cfg     Config
	log     *slog.Logger
	pending pendingSet
	outbox  *outbox
	// reported are the downloads the extension asked verdicts for.
	reported reportedSet
	// unclaimed bounds the downloads without the extension that are
	// decided at once; unclaimedWG waits for them when Run ends.
	unclaimed   chan struct{}
	unclaimedWG sync.WaitGroup

	mu sync.Mutex
	// produced maps the paths the Protector wrote to the SHA-256 of what
	// it wrote, so the watcher's report of its own output is ignored.
	produced map[string]string
}

// Result is what Handle did to one file.
type Result struct {
	// Path is the stored file: the labeled file, or the .parapet file
	// that replaced it.
	Path string
	// SHA256 is the hex digest of the stored file.
	SHA256 string
	// PlainSHA256 is the hex digest of the labeled file before
	// encryption. It equals SHA256 when nothing was encrypted.
	PlainSHA256 string
	// Encrypted is the encryption target applied.
	Encrypted string
	Label     protocol.FileLabel
	EventID   string
}

// New returns a Protector. Call Run to process watcher events and to
// deliver activity updates.
func New(cfg Config) (*Protector, error) {
	if cfg.Ledger == nil || cfg.Sender == nil || cfg.OutboxDir == "" {
		return nil, errors.New("creating protector: Ledger, Sender and OutboxDir are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	ob, err := openOutbox(cfg.OutboxDir, cfg.Sender, cfg.Log)
	if err != nil {
		return nil, err
	}
	return &Protector{cfg: cfg, log: cfg.Log, outbox: ob, produced: map[string]string{},
		unclaimed: make(chan struct{}, maxUnclaimed)}, nil
}

// Expect remembers a protect verdict on a download until its file appears
// or TTL passes. Verdicts of another decision or activity are ignored.
func (p *Protector) Expect(req *protocol.ActionRequest, v *protocol.Verdict) {
	if v.Decision != protocol.DecisionProtect || v.Protect == nil || req.Activity != protocol.ActivityDownload {
		return
	}
	name := ""
	if req.File != nil {
		name = req.File.Name
	}
	if name == "" && req.TargetURL == "" {
		p.log.Warn("protect verdict without file name or target URL ignored", "event_id", v.EventID)
		return
	}
	p.pending.add(pending{targetURL: req.TargetURL, name: name, eventID: v.EventID,
		protection: *v.Protect, expires: time.Now().Add(p.cfg.TTL)})
	p.log.Info("protect verdict pending", "event_id", v.EventID, "file_name", name,
		"encrypt", v.Protect.Encrypt)
}

// Pending returns the number of verdicts still waiting for their file.
func (p *Protector) Pending() int { return p.pending.len() }

// Run handles ready files from events and delivers activity updates until
// ctx ends or events is closed.
func (p *Protector) Run(ctx context.Context, events <-chan watch.Ready) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); p.outbox.run(ctx) }()
	defer wg.Wait()
	defer p.unclaimedWG.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case r, ok := <-events:
			if !ok {
				return nil
			}
			p.handleReady(ctx, r)
		}
	}
}

// Handle protects r when a pending verdict matches it. It returns false
// when no verdict matched or protecting failed, which it logs.
func (p *Protector) Handle(ctx context.Context, r watch.Ready) (Result, bool) {
	if strings.HasSuffix(r.Path, parapetfile.Extension) || p.isProduced(r.Path) {
		return Result{}, false
	}
	pend, ok := p.pending.take(r)
	if !ok {
		return Result{}, false
	}
	res, err := p.apply(r.Path, pend)
	if err != nil {
		p.log.Error("download not protected", "path", r.Path, "event_id", pend.eventID, "error", err)
		return Result{}, false
	}
	p.log.Info("download protected", "path", res.Path, "event_id", res.EventID,
		"label_id", res.Label.ID, "encrypted", res.Encrypted)
	p.report(res)
	return res, true
}

// report queues the activity update of res for delivery.
func (p *Protector) report(res Result) {
	if res.EventID == "" {
		p.log.Warn("protected download has no event id, no activity update sent", "path", res.Path)
		return
	}
	l := res.Label
	u := &protocol.ActivityUpdate{EventID: res.EventID, Label: &l, Encrypted: res.Encrypted,
		SHA256: res.SHA256, FileName: filepath.Base(res.Path)}
	if err := p.outbox.add(u); err != nil {
		p.log.Error("activity update not queued", "event_id", res.EventID, "error", err)
	}
}

func (p *Protector) markProduced(path, digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.produced[path] = digest
}

// isProduced reports whether the file at path is unchanged since the
// Protector wrote it.
func (p *Protector) isProduced(path string) bool {
	p.mu.Lock()
	want, ok := p.produced[path]
	p.mu.Unlock()
	if !ok {
		return false
	}
	got, err := label.FileDigest(path)
	if err != nil || got != want {
		p.mu.Lock()
		delete(p.produced, path)
		p.mu.Unlock()
		return false
	}
	return true
}

// fileLabel converts a verdict's label into a label record to write.
func fileLabel(l protocol.FileLabel, now time.Time) label.Label {
	return label.Label{ID: l.ID, TenantID: l.TenantID, Name: l.Name, Enabled: true,
		Method: label.MethodStandard, SetDate: now}
}

func errPath(op, path string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s %s: file disappeared: %w", op, path, err)
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}
