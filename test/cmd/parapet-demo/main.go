// Command parapet-demo runs Parapet on this machine with embedded defaults.
//
// With no flags it starts the server (SQLite in a temporary folder), the
// agent and the sample file store, drives Chromium with the extension
// through a blocked and an allowed download, prints each step and the
// activity log, and saves screenshots to demo-output/. With --serve it
// starts the same parts and waits, so a person can load the extension into
// their own browser.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"parapet/test/harness"
)

func main() { os.Exit(run()) }

func run() int {
	bin := flag.String("bin", "bin", "`folder` holding parapet-server and parapet-agent")
	out := flag.String("out", "demo-output", "`folder` for screenshots")
	serve := flag.Bool("serve", false, "start server, agent and sample app on fixed ports and wait for Ctrl-C")
	flag.Parse()

	root, err := harness.RepoRoot()
	if err != nil {
		return fail(err)
	}
	policies, err := os.ReadFile(filepath.Join(root, "test", "testdata", "policies.yaml"))
	if err != nil {
		return fail(err)
	}
	binDir, err := filepath.Abs(*bin)
	if err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp("", "parapet-demo-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := harness.Options{Dir: dir, BinDir: binDir, Policies: string(policies), User: "ana@corp.test"}
	if *serve {
		return serveForPerson(ctx, opts, root)
	}
	return demo(ctx, opts, *out)
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "parapet-demo:", err)
	return 1
}

func step(format string, args ...any) {
	fmt.Printf("==> "+format+"\n", args...)
}

func demo(ctx context.Context, opts harness.Options, out string) int {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fail(err)
	}
	step("starting parapet-server (SQLite in %s), parapet-agent, the sample file store and Chromium", opts.Dir)
	env, err := harness.Start(ctx, opts)
	if err != nil {
		return fail(err)
	}
	defer env.Close()
	step("server %s, agent bridge 127.0.0.1:%d, file store %s", env.Server.URL(), env.Agent.BridgePort, env.AppURL)

	failed := false
	if err := blockedDownload(ctx, env, out); err != nil {
		fmt.Println("    FAIL:", err)
		failed = true
	}
	if err := allowedDownload(ctx, env, out); err != nil {
		fmt.Println("    FAIL:", err)
		failed = true
	}
	if err := printActivities(ctx, env); err != nil {
		fmt.Println("    FAIL:", err)
		failed = true
	}
	if failed {
		return 1
	}
	step("done; screenshots are in %s/", out)
	return 0
}

func blockedDownload(ctx context.Context, env *harness.Env, out string) error {
	step("scenario 1: download q3-forecast.docx, which policy block-docx-downloads blocks")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		return err
	}
	if err := b.Click("#download-q3-forecast\\.docx"); err != nil {
		return err
	}
	notice, err := b.WaitNotice(ctx, 15*time.Second)
	if err != nil {
		return err
	}
	shot := filepath.Join(out, "01-download-blocked.png")
	if err := b.Screenshot(shot); err != nil {
		return err
	}
	time.Sleep(time.Second)
	files, err := b.DownloadedFiles()
	if err != nil {
		return err
	}
	fmt.Printf("    blocked: the page shows %q\n", notice.Text)
	fmt.Printf("    download folder after the block: %d files; screenshot %s\n", len(files), shot)
	if notice.Decision != "block" || len(files) != 0 {
		return fmt.Errorf("want a block notice and an empty download folder, got decision %q and files %v", notice.Decision, files)
	}
	return nil
}

func allowedDownload(ctx context.Context, env *harness.Env, out string) error {
	step("scenario 2: download customers.csv, which policy monitor-filestore allows and logs")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		return err
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		return err
	}
	data, err := b.WaitDownload(ctx, "customers.csv", 15*time.Second)
	if err != nil {
		return err
	}
	shot := filepath.Join(out, "02-download-allowed.png")
	if err := b.Screenshot(shot); err != nil {
		return err
	}
	fmt.Printf("    allowed: customers.csv landed in the download folder (%d bytes); screenshot %s\n", len(data), shot)
	return nil
}

func printActivities(ctx context.Context, env *harness.Env) error {
	step("activity log (GET /api/v1/activities)")
	var rows []harness.Activity
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		var err error
		rows, err = env.Server.Activities(ctx)
		if err != nil {
			return err
		}
		if len(rows) >= 2 {
			break
		}
		select {
		case <-wait.Done():
			return errors.New("the activity log has fewer than 2 rows")
		case <-time.After(200 * time.Millisecond):
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "    TIME\tUSER\tAPP\tACTIVITY\tFILE\tSOURCE IP\tDECISION\tPOLICIES")
	for _, r := range rows {
		fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Time.Local().Format("15:04:05"), r.User, r.AppID,
			r.Activity, r.FileName, r.SourceIP, r.Decision, strings.Join(r.PolicyIDs, ","))
	}
	return tw.Flush()
}

func serveForPerson(ctx context.Context, opts harness.Options, root string) int {
	opts.NoBrowser = true
	opts.AppAddr = "127.0.0.1:8080"
	opts.ServerAddr = "127.0.0.1:8443"
	opts.BridgePort = 47801
	env, err := harness.Start(ctx, opts)
	if err != nil {
		return fail(err)
	}
	defer env.Close()
	tokenFile := filepath.Join(opts.Dir, "admin-token")
	if err := os.WriteFile(tokenFile, []byte(env.Server.AdminToken), 0o600); err != nil {
		return fail(err)
	}
	fmt.Printf(`Parapet is running:
  server      %s (admin token in %s)
  agent       bridge on 127.0.0.1:%d
  file store  %s

Load the extension into Chrome or Chromium:
  1. open chrome://extensions and turn on Developer mode
  2. click "Load unpacked" and choose %s
  3. open %s and download q3-forecast.docx (blocked) or customers.csv (allowed)

Activity log: curl --cacert %s -H "Authorization: Bearer $(cat %s)" %s/api/v1/activities
Press Ctrl-C to stop.
`, env.Server.URL(), tokenFile, env.Agent.BridgePort, env.AppURL,
		filepath.Join(root, "extension"), env.AppURL, env.Server.CAFile(), tokenFile, env.Server.URL())
	<-ctx.Done()
	return 0
}
