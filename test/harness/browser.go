package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by FindChromium when no browser is installed.
var ErrNoChromium = errors.New("chromium not found: install it with `apt-get install -y chromium` (Debian/Ubuntu)")

// FindChromium returns the path of Chromium, from $CHROMIUM_BIN or PATH.
// Debian's /usr/bin/chromium is a shell wrapper that adds its own
// --load-extension and --disable-extensions-except flags, so the binary
// behind it is used when it exists.
func FindChromium() (string, error) {
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p, nil
	}
	if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
		return "/usr/lib/chromium/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Browser is a Chromium with the Parapet extension loaded and one tab.
type Browser struct {
	// Tab is the chromedp context of the page tab.
	Tab context.Context
	// DownloadDir is where Chromium saves downloads.
	DownloadDir string

	allocCtx context.Context
	cancel   []context.CancelFunc
}

// BrowserOptions configure StartBrowser.
type BrowserOptions struct {
	// Dir holds the profile and the download folder.
	Dir string
	// ExtensionDir is the unpacked extension to load.
	ExtensionDir string
	// Headless runs without a window; it is forced when there is no display.
	Headless bool
}

// StartBrowser starts Chromium with a fresh profile and the extension.
func StartBrowser(ctx context.Context, opts BrowserOptions) (*Browser, error) {
	exe, err := FindChromium()
	if err != nil {
		return nil, err
	}
	profile := filepath.Join(opts.Dir, "chromium-profile")
	downloads := filepath.Join(opts.Dir, "Downloads")
	for _, d := range []string{filepath.Join(profile, "Default"), downloads} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := writePreferences(filepath.Join(profile, "Default", "Preferences"), downloads); err != nil {
		return nil, err
	}
	headless := opts.Headless || (os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "")
	flags := chromiumFlags(exe, profile, opts.ExtensionDir, headless)

	b := &Browser{DownloadDir: downloads}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	b.allocCtx = allocCtx
	tab, cancelTab := chromedp.NewContext(allocCtx)
	b.Tab = tab
	b.cancel = []context.CancelFunc{cancelTab, cancelAlloc}
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		b.Close()
		return nil, fmt.Errorf("starting chromium: %w", err)
	}
	_, err = chromedp.CallBrowser(tab, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorDefault,
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("setting download behavior: %w", err)
	}
	return b, nil
}

// chromiumFlags returns the command line for a test browser: a fresh
// profile, only the Parapet extension, and no background traffic to hosts
// off this machine.
func chromiumFlags(exe, profile, extensionDir string, headless bool) []chromedp.ExecAllocatorOption {
	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("load-extension", extensionDir),
		chromedp.Flag("disable-extensions-except", extensionDir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
	}
	if headless {
		flags = append(flags, chromedp.Flag("headless", "new"), chromedp.DisableGPU)
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		flags = append(flags, chromedp.NoSandbox)
	}
	return flags
}

// writePreferences points Chromium's download folder at dir and turns off
// the save dialog.
func writePreferences(path, dir string) error {
	prefs := map[string]any{
		"download": map[string]any{"default_directory": dir, "prompt_for_download": false, "directory_upgrade": true},
		"savefile": map[string]any{"default_directory": dir},
	}
	data, err := json.Marshal(prefs)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// Close ends the browser.
func (b *Browser) Close() {
	for _, cancel := range b.cancel {
		cancel()
	}
}

// serviceWorker returns the target id of the extension's service worker.
func (b *Browser) serviceWorker(ctx context.Context) (target.ID, error) {
	var id target.ID
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	prefix := "chrome-extension://" + ExtensionID + "/"
	err := waitFor(wait, "the extension's service worker", func() (bool, error) {
		targets, err := chromedp.Targets(b.Tab)
		if err != nil {
			return false, err
		}
		for _, t := range targets {
			if t.Type == "service_worker" && strings.HasPrefix(t.URL, prefix) {
				id = t.TargetID
				return true, nil
			}
		}
		return false, nil
	})
	return id, err
}

// EvalExtension evaluates a JavaScript expression in the extension's
// service worker and returns its JSON result. Promises are awaited. Right
// after the worker starts, its global scope may not have the extension
// APIs bound yet, so EvalExtension first waits until chrome.storage exists.
func (b *Browser) EvalExtension(ctx context.Context, expr string) ([]byte, error) {
	id, err := b.serviceWorker(ctx)
	if err != nil {
		return nil, err
	}
	// Cancelling a context made with WithDetachOnCancel detaches from the
	// worker instead of closing it.
	sw, cancel := chromedp.NewContext(b.Tab, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	defer cancel()
	wait, cancelWait := context.WithTimeout(ctx, 10*time.Second)
	defer cancelWait()
	err = waitFor(wait, "the extension APIs in the service worker", func() (bool, error) {
		return chromedp.Run(sw, chromedp.Evaluate[bool](`typeof chrome === "object" && !!chrome.storage`))
	})
	if err != nil {
		return nil, err
	}
	return chromedp.Run(sw, chromedp.Evaluate[[]byte](expr, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
}
