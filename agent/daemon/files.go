package daemon

import (
	"context"
	"fmt"
	"path/filepath"

	"parapet/agent/inspect"
	"parapet/agent/label"
	"parapet/agent/protect"
	"parapet/agent/upload"
	"parapet/agent/watch"
	"parapet/protocol"
)

// fileActors are the parts that handle file content: the label ledger,
// the upload inspector, the download watcher and the protector.
type fileActors struct {
	ledger    *label.Ledger
	uploads   *upload.Inspector
	protector *protect.Protector
	// watcher is nil when no download folder was found.
	watcher *watch.Watcher
}

// updateSender sends activity updates through the daemon's uplink, which
// build creates after openFiles.
type updateSender struct{ d *Daemon }

func (s updateSender) SendUpdate(ctx context.Context, id string, u *protocol.ActivityUpdate) error {
	return s.d.uplink.SendUpdate(ctx, id, u)
}

// openFiles opens the ledger, the upload folder and the update outbox in
// the state folder and starts watching the download folders.
func (d *Daemon) openFiles() error {
	cfg := d.cfg.Files
	if err := cfg.ValidateFiles(); err != nil {
		return fmt.Errorf("checking config: %w", err)
	}
	f := &fileActors{}
	var err error
	f.ledger, err = label.OpenLedger(filepath.Join(d.cfg.StateDir, "ledger"), d.log.With("component", "ledger"))
	if err != nil {
		return err
	}
	detectors, err := inspect.New(inspect.Config{Cards: true, SSNs: true, IBANs: true})
	if err != nil {
		return fmt.Errorf("creating content detectors: %w", err)
	}
	f.uploads, err = upload.New(upload.Config{Dir: filepath.Join(d.cfg.StateDir, "uploads"),
		MaxBytes: cfg.InspectLimit(), Ledger: f.ledger, Detectors: detectors, Log: d.log.With("component", "upload")})
	if err != nil {
		return err
	}
	f.protector, err = protect.New(protect.Config{Ledger: f.ledger, Sender: updateSender{d},
		OutboxDir: filepath.Join(d.cfg.StateDir, "updates"), Log: d.log.With("component", "protect"),
		Decider: watcherDecider{d.offline}, QuarantineDir: filepath.Join(d.cfg.StateDir, "quarantine")})
	if err != nil {
		return err
	}
	f.watcher, err = d.openWatcher(d.downloadDirs())
	if err != nil {
		return err
	}
	d.files = f
	return nil
}

func (d *Daemon) openWatcher(dirs []string) (*watch.Watcher, error) {
	if len(dirs) == 0 {
		found, err := watch.DownloadDirs()
		if err != nil || len(found) == 0 {
			d.log.Warn("no download folder found, downloads are not protected", "component", "protect",
				"error", err, "hint", "set download_dirs")
			return nil, nil
		}
		dirs = found
	}
	w, err := watch.New(watch.Config{Dirs: dirs, Logger: d.log})
	if err != nil {
		return nil, fmt.Errorf("watching download_dirs: %w", err)
	}
	return w, nil
}

// runFiles runs the watcher and the protector until ctx ends.
func (d *Daemon) runFiles(ctx context.Context) error {
	f := d.files
	defer f.ledger.Close()
	if f.watcher == nil {
		return f.protector.Run(ctx, nil)
	}
	errc := make(chan error, 1)
	go func() { errc <- f.watcher.Run(ctx) }()
	err := f.protector.Run(ctx, f.watcher.Events())
	if werr := <-errc; werr != nil {
		return werr
	}
	return err
}
