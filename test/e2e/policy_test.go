package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/test/harness"
	"parapet/test/sampleapp"
)

func TestTestModePolicyLogsWouldBlock(t *testing.T) {
	env := startEnv(t, "test-mode-policies.yaml")
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
		t.Fatalf("download under a test-mode block did not proceed: %v", err)
	}
	want, _ := sampleapp.FileContent("customers.csv")
	if !bytes.Equal(got, want) {
		t.Error("downloaded file differs from the served one")
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
	if !slices.Contains(row.Codes, "test_mode_would_block") {
		t.Errorf("logged codes %v, want test_mode_would_block among them", row.Codes)
	}
	var explain struct {
		WouldHave []struct {
			Policy   string `json:"policy"`
			Decision string `json:"decision"`
		} `json:"would_have"`
	}
	if err := json.Unmarshal(row.Explain, &explain); err != nil {
		t.Fatalf("decoding explain %s: %v", row.Explain, err)
	}
	if len(explain.WouldHave) != 1 || explain.WouldHave[0].Policy != "trial-block-csv" || explain.WouldHave[0].Decision != "block" {
		t.Errorf("would_have %+v, want trial-block-csv would block", explain.WouldHave)
	}
	if slices.Contains(row.PolicyIDs, "trial-block-csv") {
		t.Errorf("policy ids %v list the test-mode policy as enforced", row.PolicyIDs)
	}
}

const csvBlockBundle = `apps:
  - id: filestore
    name: Acme Files
    hosts: ["${APP_HOST}"]
    tags: [sensitive]
policies:
  - id: block-csv
    name: Block CSV exports
    apps: [filestore]
    activities: [download]
    files: ["*.csv"]
    decision: block
    message: "CSV exports from Acme Files are blocked."
  - id: monitor-filestore
    apps: [filestore]
    decision: monitor
`

func TestPolicyChangeThroughAPITakesEffect(t *testing.T) {
	env := startEnv(t, "policies.yaml", func(o *harness.Options) {
		o.APIPolicies = true
		o.Policies = csvBlockBundle
	})
	ctx := context.Background()
	b := env.Browser

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNotice(ctx, 15*time.Second)
	if err != nil {
		t.Fatalf("first download was not blocked: %v", err)
	}
	if !strings.Contains(notice.Text, "CSV exports from Acme Files are blocked.") {
		t.Errorf("notice %q lacks the block message", notice.Text)
	}

	// Apply a bundle without the block policy, with nothing restarted.
	host := strings.TrimSuffix(strings.TrimPrefix(env.AppURL, "http://"), "/")
	relaxed := strings.Replace(csvBlockBundle, "decision: block\n    message: \"CSV exports from Acme Files are blocked.\"",
		"decision: monitor", 1)
	relaxed = strings.ReplaceAll(relaxed, harness.AppHostPlaceholder, host)
	if err := env.Server.PutPolicy(ctx, []byte(relaxed)); err != nil {
		t.Fatal(err)
	}

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitDownload(ctx, "customers.csv", 15*time.Second); err != nil {
		t.Fatalf("download after the policy change did not proceed: %v", err)
	}
	rows, err := env.Server.Activities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var decisions []string
	for _, r := range rows {
		if r.FileName == "customers.csv" {
			decisions = append(decisions, r.Decision)
		}
	}
	if !slices.Equal(decisions, []string{"monitor", "block"}) {
		t.Errorf("decisions newest first %v, want [monitor block]", decisions)
	}
}
