package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Default timings used when the Config fields are zero.
const (
	DefaultStable       = 250 * time.Millisecond
	DefaultPollInterval = 5 * time.Second
)

// Folder modes reported by Status.
const (
	ModeWatch = "watch" // file-system notifications
	ModePoll  = "poll"  // periodic rescans every Config.PollInterval
)

// Ready is a downloaded file that is complete and readable.
type Ready struct {
	Path    string
	Size    int64 // bytes
	ModTime time.Time
	Origin  Origin // zero when the OS recorded no origin
}

// FolderStatus is the watch mode of one folder.
type FolderStatus struct {
	Dir    string
	Mode   string // ModeWatch or ModePoll
	Reason string // cause of polling, empty in ModeWatch
}

// Config configures a Watcher.
type Config struct {
	// Dirs are the folders to watch, not recursively.
	Dirs []string
	// Stable is how long a file's size and modification time must stay
	// unchanged before it is ready. Zero means DefaultStable.
	Stable time.Duration
	// PollInterval is the rescan period of folders that cannot be watched
	// with notifications. Zero means DefaultPollInterval.
	PollInterval time.Duration
	// ReportExisting makes Run report the files already present in Dirs
	// when New is called. Otherwise they count as reported, and only their
	// later changes yield Ready events.
	ReportExisting bool
	// Logger receives the watcher's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// hooks replace parts of the Watcher in tests.
type hooks struct {
	// addWatch adds a notification watch on dir.
	addWatch func(fs *fsnotify.Watcher, dir string) error
	// dropEvent, when set, discards the events it returns true for, which
	// simulates events lost by the kernel.
	dropEvent func(fsnotify.Event) bool
	// errors delivers extra notifier errors to the event loop.
	errors chan error
}

// Watcher reports files that appear in a set of folders once they are ready.
// New starts watching, and Run processes events until its context ends.
type Watcher struct {
	cfg    Config
	log    *slog.Logger
	hooks  hooks
	fs     *fsnotify.Watcher // nil when notifications could not be set up
	events chan Ready

	mu      sync.Mutex         // guards the mode fields of folders
	folders map[string]*folder // keyed by cleaned path; fixed after New

	pending  map[string]*candidate
	queue    dueQueue
	reported map[string]os.FileInfo // last reported state by path
}

type folder struct {
	dir     string
	mode    string
	reason  string
	scanErr string // last scan error, to log each new one once
}

// New validates cfg, starts watching cfg.Dirs and records the files they
// already contain. A folder whose watch cannot be added is polled, as Status
// shows. Call Run to receive events and to release the watcher.
func New(cfg Config) (*Watcher, error) {
	return newWatcher(cfg, hooks{})
}

func newWatcher(cfg Config, h hooks) (*Watcher, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	if h.addWatch == nil {
		h.addWatch = func(fs *fsnotify.Watcher, dir string) error { return fs.Add(dir) }
	}
	w := &Watcher{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "download_watcher"),
		hooks:    h,
		events:   make(chan Ready, 64),
		folders:  make(map[string]*folder),
		pending:  make(map[string]*candidate),
		reported: make(map[string]os.FileInfo),
	}
	if err := w.openNotifier(); err != nil {
		return nil, err
	}
	for _, dir := range cfg.Dirs {
		w.addFolder(filepath.Clean(dir))
	}
	for dir := range w.folders {
		w.scanFolder(dir, !cfg.ReportExisting)
	}
	return w, nil
}

func withDefaults(cfg Config) (Config, error) {
	if len(cfg.Dirs) == 0 {
		return cfg, errors.New("creating download watcher: no folders to watch, set Config.Dirs")
	}
	if cfg.Stable < 0 || cfg.PollInterval < 0 {
		return cfg, fmt.Errorf("creating download watcher: negative interval (stable %v, poll %v)",
			cfg.Stable, cfg.PollInterval)
	}
	if cfg.Stable == 0 {
		cfg.Stable = DefaultStable
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

// openNotifier creates the fsnotify watcher. Reaching the limit of notifier
// instances leaves w.fs nil, so every folder is polled.
func (w *Watcher) openNotifier() error {
	fs, err := fsnotify.NewWatcher()
	if err == nil {
		w.fs = fs
		return nil
	}
	if !isWatchLimit(err) {
		return fmt.Errorf("creating file-system notifier: %w", err)
	}
	w.log.Warn("notifier limit reached, polling all folders", "error", err, "hint", watchLimitHint)
	return nil
}

// addFolder registers dir and tries to watch it, falling back to polling.
func (w *Watcher) addFolder(dir string) {
	if _, ok := w.folders[dir]; ok {
		return
	}
	f := &folder{dir: dir}
	w.folders[dir] = f
	if err := w.watchFolder(dir); err != nil {
		w.setMode(f, ModePoll, pollReason(err))
		w.log.Warn("folder watch failed, polling", "dir", dir, "error", err,
			"poll_interval", w.cfg.PollInterval)
		return
	}
	w.setMode(f, ModeWatch, "")
	w.log.Info("watching folder", "dir", dir)
}

func (w *Watcher) watchFolder(dir string) error {
	if w.fs == nil {
		return errors.New("file-system notifier unavailable")
	}
	if err := w.hooks.addWatch(w.fs, dir); err != nil {
		return fmt.Errorf("adding watch on %s: %w", dir, err)
	}
	return nil
}

func pollReason(err error) string {
	if isWatchLimit(err) {
		return fmt.Sprintf("watch limit reached (%s): %v", watchLimitHint, err)
	}
	return err.Error()
}

func (w *Watcher) setMode(f *folder, mode, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f.mode = mode
	f.reason = reason
}

// Events returns the channel of ready files. Run closes it when it returns.
func (w *Watcher) Events() <-chan Ready { return w.events }

// Status returns how each folder is watched, sorted by folder path.
func (w *Watcher) Status() []FolderStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]FolderStatus, 0, len(w.folders))
	for _, f := range w.folders {
		out = append(out, FolderStatus{Dir: f.dir, Mode: f.mode, Reason: f.reason})
	}
	slices.SortFunc(out, func(a, b FolderStatus) int { return strings.Compare(a.Dir, b.Dir) })
	return out
}

// Run processes file-system events, rescans and stability checks until ctx
// ends, then closes the notifier and the Events channel. It returns nil when
// ctx ends and an error when the notifier stops by itself. Call it once.
func (w *Watcher) Run(ctx context.Context) error {
	defer close(w.events)
	defer w.closeNotifier()
	l := newLoop(w)
	defer l.stop()
	for {
		err := l.step(ctx)
		if errors.Is(err, errStopped) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (w *Watcher) closeNotifier() {
	if w.fs == nil {
		return
	}
	if err := w.fs.Close(); err != nil {
		w.log.Warn("closing notifier failed", "error", err)
	}
}
