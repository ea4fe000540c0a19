package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parapet/agent/label"
	"parapet/test/harness"
	"parapet/test/sampleapp"
)

// Texts of test/testdata/upload-policies.yaml that the notice must show.
const (
	unlabeledMessage = "Files without a sensitivity label cannot be uploaded to Acme Files."
	unlabeledFix     = "Apply the Confidential label in Word (Home > Sensitivity), save the file, then upload it again."
	cardMessage      = "Files with payment card numbers cannot be uploaded to Acme Files."
	cardFix          = "Remove the card numbers from the file, then upload it again."
)

// The Confidential label of the test policies.
const (
	confidentialID = "2096f6a2-d2f7-48be-b329-b73aaa526e5d"
	tenantID       = "cb46c030-1825-4e81-a295-151c039dbf02"
)

// sampleFile copies a file that the sample app serves into a new folder
// and returns its path.
func sampleFile(t *testing.T, name string) string {
	t.Helper()
	data, err := sampleapp.FileContent(name)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// labeledSampleFile returns a copy of a sample file with the Confidential
// label written into it.
func labeledSampleFile(t *testing.T, name string) string {
	t.Helper()
	path := sampleFile(t, name)
	err := label.Write(path, label.Label{
		ID: confidentialID, TenantID: tenantID, Name: "Confidential", Enabled: true, Method: label.MethodPrivileged,
	})
	if err != nil {
		t.Fatalf("labeling %s: %v", name, err)
	}
	return path
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// waitUpload waits until the sample app has received a file named name.
func waitUpload(t *testing.T, env *harness.Env, name string, timeout time.Duration) sampleapp.Upload {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, up := range env.App.Uploads() {
			if up.Name == name {
				return up
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	status, _ := env.Browser.Text("#upload-status")
	t.Fatalf("the sample app did not receive %s within %s (page status %q)\nagent log:\n%s", name, timeout, status, env.Agent.Log())
	return sampleapp.Upload{}
}

// expectNothingUploaded gives a file that slipped through time to arrive,
// then checks that the app received nothing and the page saw no file.
func expectNothingUploaded(t *testing.T, env *harness.Env) {
	t.Helper()
	time.Sleep(1500 * time.Millisecond)
	if ups := env.App.Uploads(); len(ups) != 0 {
		t.Errorf("the sample app received %+v, want nothing", ups)
	}
	if status, err := env.Browser.Text("#upload-status"); err != nil || status != "" {
		t.Errorf("page upload status %q (err %v), want empty because the page never saw the file", status, err)
	}
}

// expectBlockNotice waits for the notice and checks its decision and texts.
func expectBlockNotice(t *testing.T, env *harness.Env, policyID string, texts ...string) harness.Notice {
	t.Helper()
	notice, err := env.Browser.WaitNotice(context.Background(), 20*time.Second)
	if err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	if notice.Decision != "block" {
		t.Errorf("notice decision %q, want block", notice.Decision)
	}
	for _, text := range texts {
		if !strings.Contains(notice.Text, text) {
			t.Errorf("notice text %q does not contain %q", notice.Text, text)
		}
	}
	if !strings.Contains(notice.Text, policyID) {
		t.Errorf("notice text %q does not give the reason with the policy id %s", notice.Text, policyID)
	}
	return notice
}

// expectUploadLogged waits for the activity log row of the upload of name
// and checks its decision and policy.
func expectUploadLogged(t *testing.T, env *harness.Env, name, decision, policyID string) {
	t.Helper()
	row, err := env.Server.WaitActivity(context.Background(), 10*time.Second, func(a harness.Activity) bool {
		return a.Activity == "upload" && a.FileName == name
	})
	if err != nil {
		t.Fatalf("upload of %s not logged: %v", name, err)
	}
	if row.Decision != decision {
		t.Errorf("logged decision %q, want %s", row.Decision, decision)
	}
	if !slices.Contains(row.PolicyIDs, policyID) {
		t.Errorf("logged policy ids %v, want %s among them", row.PolicyIDs, policyID)
	}
	if row.AppID != "filestore" || row.PageURL != env.AppURL {
		t.Errorf("logged app %q page %q, want filestore %s", row.AppID, row.PageURL, env.AppURL)
	}
}

func inputFileCount(t *testing.T, env *harness.Env) int {
	t.Helper()
	n, err := chromedp.Run(env.Browser.Tab, chromedp.Evaluate[int](`document.getElementById("upload").files.length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUploadUnlabeledDocxBlocked(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.SetInputFiles("#upload", sampleFile(t, "q3-forecast.docx")); err != nil {
		t.Fatal(err)
	}
	expectBlockNotice(t, env, "block-unlabeled-uploads", unlabeledMessage, unlabeledFix, "More help")
	if err := b.Screenshot(artifactPath(t, "upload-unlabeled-blocked.png")); err != nil {
		t.Error(err)
	}
	expectNothingUploaded(t, env)
	if n := inputFileCount(t, env); n != 0 {
		t.Errorf("file input holds %d files after the block, want 0", n)
	}
	expectUploadLogged(t, env, "q3-forecast.docx", "block", "block-unlabeled-uploads")
}

func TestUploadLabeledDocxArrivesIntact(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	path := labeledSampleFile(t, "q3-forecast.docx")
	want := fileSHA256(t, path)
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.SetInputFiles("#upload", path); err != nil {
		t.Fatal(err)
	}
	got := waitUpload(t, env, "q3-forecast.docx", 20*time.Second)
	if got.SHA256 != want {
		t.Errorf("the app received sha256 %s, want %s of the labeled file", got.SHA256, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != info.Size() {
		t.Errorf("the app received %d bytes, want %d", got.Size, info.Size())
	}
	if has, err := b.HasNotice(); err != nil || has {
		t.Errorf("page shows a notice after an allowed upload (err %v)", err)
	}
	expectUploadLogged(t, env, "q3-forecast.docx", "monitor", "monitor-filestore")
}

func TestUploadCardNumbersBlocked(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	path, err := filepath.Abs(filepath.Join("..", "testdata", "cards.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetInputFiles("#upload", path); err != nil {
		t.Fatal(err)
	}
	expectBlockNotice(t, env, "block-card-numbers", cardMessage, cardFix)
	expectNothingUploaded(t, env)
	expectUploadLogged(t, env, "cards.csv", "block", "block-card-numbers")
}

func TestUploadCleanCSVAllowed(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	path := sampleFile(t, "customers.csv")
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.SetInputFiles("#upload", path); err != nil {
		t.Fatal(err)
	}
	got := waitUpload(t, env, "customers.csv", 20*time.Second)
	if want := fileSHA256(t, path); got.SHA256 != want {
		t.Errorf("the app received sha256 %s, want %s", got.SHA256, want)
	}
	status, err := b.Text("#upload-status")
	if err != nil || status != "Uploaded customers.csv" {
		t.Errorf("page upload status %q (err %v), want %q", status, err, "Uploaded customers.csv")
	}
}

func TestUploadDropUnlabeledBlocked(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.DropFiles("#drop", sampleFile(t, "q3-forecast.docx")); err != nil {
		t.Fatal(err)
	}
	expectBlockNotice(t, env, "block-unlabeled-uploads", unlabeledMessage, unlabeledFix)
	expectNothingUploaded(t, env)
	expectUploadLogged(t, env, "q3-forecast.docx", "block", "block-unlabeled-uploads")
}

func TestUploadDropLabeledArrivesIntact(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	path := labeledSampleFile(t, "q3-forecast.docx")
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.DropFiles("#drop", path); err != nil {
		t.Fatal(err)
	}
	got := waitUpload(t, env, "q3-forecast.docx", 20*time.Second)
	if want := fileSHA256(t, path); got.SHA256 != want {
		t.Errorf("the app received sha256 %s, want %s of the labeled file", got.SHA256, want)
	}
}

// TestUploadFetchOfPageFileChecked sends a file that the page built itself
// with fetch, so only page_hook.js can check it. The file has card numbers, so
// the request must fail and the app must receive nothing.
func TestUploadFetchOfPageFileChecked(t *testing.T) {
	env := startEnv(t, "upload-policies.yaml")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(filepath.Join("..", "testdata", "cards.csv"))
	if err != nil {
		t.Fatal(err)
	}
	expr := `(async () => {
		const body = new FormData();
		body.append("file", new File([` + jsString(string(card)) + `], "page-cards.csv", {type: "text/csv"}));
		try { const r = await fetch("/upload", {method: "POST", body}); return "sent " + r.status; }
		catch (err) { return "failed: " + err.message; }
	})()`
	result, err := chromedp.Run(b.Tab, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(result, "failed: Parapet blocked this upload") {
		t.Errorf("fetch returned %q, want it to fail with Parapet's message", result)
	}
	if ups := env.App.Uploads(); len(ups) != 0 {
		t.Errorf("the sample app received %+v, want nothing", ups)
	}
	expectBlockNotice(t, env, "block-card-numbers", cardMessage)
}

// jsString returns s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\u2028", `\u2028`, "\u2029", `\u2029`)
	return `"` + r.Replace(s) + `"`
}
