package e2e

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/test/harness"
	"parapet/test/sampleapp"
)

const blockMessage = "Word documents from Acme Files cannot be downloaded to this device."

func TestDownloadBlockedShowsMessage(t *testing.T) {
	env := startEnv(t, "policies.yaml")
	ctx := context.Background()
	b := env.Browser

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-q3-forecast\\.docx"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNotice(ctx, 15*time.Second)
	if err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	if err := b.Screenshot(artifactPath(t, "download-blocked.png")); err != nil {
		t.Error(err)
	}
	if notice.Decision != "block" {
		t.Errorf("notice decision %q, want block", notice.Decision)
	}
	if !strings.Contains(notice.Text, blockMessage) {
		t.Errorf("notice text %q does not contain the admin's message", notice.Text)
	}
	if !strings.Contains(notice.Text, "block-docx-downloads") {
		t.Errorf("notice text %q does not give the reason with the policy id", notice.Text)
	}
	if notice.EventID == "" || !strings.Contains(notice.Text, notice.EventID) {
		t.Errorf("notice text %q does not show the event id %q", notice.Text, notice.EventID)
	}

	row, err := env.Server.WaitActivity(ctx, 10*time.Second, func(a harness.Activity) bool {
		return a.ID == notice.EventID
	})
	if err != nil {
		t.Fatalf("activity %s not logged: %v", notice.EventID, err)
	}
	if row.Decision != "block" {
		t.Errorf("logged decision %q, want block", row.Decision)
	}
	if !slices.Contains(row.PolicyIDs, "block-docx-downloads") {
		t.Errorf("logged policy ids %v, want block-docx-downloads among them", row.PolicyIDs)
	}
	if row.FileName != "q3-forecast.docx" || row.Activity != "download" || row.AppID != "filestore" {
		t.Errorf("logged file %q activity %q app %q, want q3-forecast.docx download filestore",
			row.FileName, row.Activity, row.AppID)
	}
	if row.User != "ana@corp.test" || row.DeviceID == "" || row.SourceIP != "127.0.0.1" {
		t.Errorf("logged user %q device %q source ip %q", row.User, row.DeviceID, row.SourceIP)
	}

	// Give a download that slipped through time to land, then check that
	// nothing of it is in the folder.
	time.Sleep(1500 * time.Millisecond)
	files, err := b.DownloadedFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Errorf("download folder holds %v, want nothing", files)
	}
}

func TestDownloadAllowedLandsIntact(t *testing.T) {
	env := startEnv(t, "policies.yaml")
	ctx := context.Background()
	b := env.Browser

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	got, err := b.WaitDownload(ctx, "customers.csv", 15*time.Second)
	if err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	want, _ := sampleapp.FileContent("customers.csv")
	if !bytes.Equal(got, want) {
		t.Errorf("downloaded %d bytes, differ from the %d served", len(got), len(want))
	}
	row, err := env.Server.WaitActivity(ctx, 10*time.Second, func(a harness.Activity) bool {
		return a.FileName == "customers.csv"
	})
	if err != nil {
		t.Fatal(err)
	}
	if row.Decision != "monitor" {
		t.Errorf("logged decision %q, want monitor", row.Decision)
	}
	if !slices.Contains(row.PolicyIDs, "monitor-filestore") {
		t.Errorf("logged policy ids %v, want monitor-filestore", row.PolicyIDs)
	}
	if has, err := b.HasNotice(); err != nil || has {
		t.Errorf("page shows a notice after an allowed download (err %v)", err)
	}
}

func TestServerDownSensitiveAppFailsClosed(t *testing.T) {
	env := startEnv(t, "network-policies.yaml")
	ctx := context.Background()
	b := env.Browser

	if err := env.Server.Stop(); err != nil {
		t.Fatalf("stopping server: %v", err)
	}
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-handbook\\.pdf"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNotice(ctx, 20*time.Second)
	if err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	if notice.Decision != "block" {
		t.Errorf("notice decision %q, want block", notice.Decision)
	}
	if !strings.Contains(notice.Text, "cannot reach its server") {
		t.Errorf("notice text %q does not say that Parapet cannot reach its server", notice.Text)
	}
	if err := b.Screenshot(artifactPath(t, "server-unreachable.png")); err != nil {
		t.Error(err)
	}
	time.Sleep(time.Second)
	if files, _ := b.DownloadedFiles(); len(files) != 0 {
		t.Errorf("download folder holds %v, want nothing", files)
	}

	if err := env.Server.Start(ctx); err != nil {
		t.Fatalf("restarting server: %v", err)
	}
	row, err := env.Server.WaitActivity(ctx, 20*time.Second, func(a harness.Activity) bool {
		return a.FileName == "handbook.pdf"
	})
	if err != nil {
		t.Fatalf("queued activity not delivered after restart: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	if row.Decision != "block" || row.DecidedBy != "agent" {
		t.Errorf("logged decision %q by %q, want block by agent", row.Decision, row.DecidedBy)
	}
	rows, err := env.Server.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, r := range rows {
		if r.FileName == "handbook.pdf" {
			count++
		}
	}
	if count != 1 {
		t.Errorf("handbook.pdf logged %d times, want once", count)
	}
}
