package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/test/harness"
)

// Texts of testdata/adaptive-policies.yaml and of the extension's prompts.
const (
	cardPasteMessage = "Card numbers cannot be pasted into Acme Files."
	stepUpTitle      = "Confirm it's you"
	confirmedTitle   = "Confirmed — continuing"
	// stepUpMaxAge is the policy's max_age plus a margin: a step-up policy
	// does not ask a user who signed in more recently than this.
	stepUpMaxAge = 3 * time.Second
)

// withIdentity starts the test OIDC provider for email and returns the
// option that runs the server with sign-in through it.
func withIdentity(t *testing.T, email string) func(*harness.Options) {
	t.Helper()
	provider := harness.NewOIDCProvider(email)
	t.Cleanup(provider.Close)
	return func(opts *harness.Options) {
		if err := harness.UseIdentity(opts, provider); err != nil {
			t.Fatalf("configuring sign-in: %v", err)
		}
	}
}

func signIn(t *testing.T, env *harness.Env) *harness.SignInSession {
	t.Helper()
	session, err := env.SignIn(context.Background())
	if err != nil {
		t.Fatalf("signing in through the popup and the OIDC provider: %v", err)
	}
	return session
}

// completedFiles lists the finished downloads, without Chromium's
// temporary .crdownload files.
func completedFiles(t *testing.T, b *harness.Browser) []string {
	t.Helper()
	files, err := b.DownloadedFiles()
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(files, func(name string) bool { return strings.HasSuffix(name, ".crdownload") })
}

func TestSignInThroughOIDC(t *testing.T) {
	// The signed-in user differs from the device's enrolled user, so the
	// activity log shows whose session the action carried.
	env := startEnv(t, "adaptive-policies.yaml", withIdentity(t, "bea@corp.test"))
	ctx := context.Background()
	b := env.Browser

	session := signIn(t, env)
	if session.Email != "bea@corp.test" {
		t.Errorf("signed in as %q, want bea@corp.test", session.Email)
	}
	if !strings.HasPrefix(session.Token, "ppt_") {
		t.Errorf("session token %q does not start with ppt_", session.Token)
	}
	if _, detach, err := b.WaitTab(ctx, env.Server.URL()+"/signin/done", 2*time.Second); err == nil {
		detach()
		t.Errorf("the extension left the sign-in tab open")
	}

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitDownload(ctx, "customers.csv", 15*time.Second); err != nil {
		t.Fatalf("%v\nagent log:\n%s", err, env.Agent.Log())
	}
	row, err := env.Server.WaitActivity(ctx, 10*time.Second, func(a harness.Activity) bool { return a.FileName == "customers.csv" })
	if err != nil {
		t.Fatal(err)
	}
	if row.User != "bea@corp.test" {
		t.Errorf("download logged for user %q, want the signed-in bea@corp.test: the action.request did not carry the session token", row.User)
	}
}

// ipChangedEnv signs in, enrolls TOTP, checks that a download needs no
// step-up yet, then restarts the agent with its uplink on 127.0.0.2, so
// the server records a new source IP for the session. It returns the TOTP
// secret.
func ipChangedEnv(t *testing.T) (*harness.Env, string) {
	t.Helper()
	env := startEnv(t, "adaptive-policies.yaml", withIdentity(t, "ana@corp.test"))
	ctx := context.Background()
	b := env.Browser

	session := signIn(t, env)
	signedInAt := time.Now()
	secret, err := env.Server.EnrollTOTP(ctx, session.Token)
	if err != nil {
		t.Fatalf("enrolling TOTP: %v", err)
	}
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitDownload(ctx, "customers.csv", 15*time.Second); err != nil {
		t.Fatalf("download before the IP change: %v\nagent log:\n%s", err, env.Agent.Log())
	}

	env.Agent.UplinkSourceIP = "127.0.0.2"
	if err := env.RestartAgent(ctx); err != nil {
		t.Fatalf("restarting the agent on 127.0.0.2: %v", err)
	}
	time.Sleep(time.Until(signedInAt.Add(stepUpMaxAge)))
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	return env, secret
}

// openStepUpPage clicks the prompt's button and returns the step-up tab.
func openStepUpPage(t *testing.T, env *harness.Env) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := env.Browser.ClickNoticeButton(ctx, stepUpTitle); err != nil {
		t.Fatal(err)
	}
	page, detach, err := env.Browser.WaitTab(ctx, env.Server.URL()+"/stepup/", 10*time.Second)
	if err != nil {
		t.Fatalf("the prompt's button opened no step-up page: %v", err)
	}
	t.Cleanup(detach)
	return page
}

func TestStepUpAfterIPChangeWithTOTP(t *testing.T) {
	env, secret := ipChangedEnv(t)
	ctx := context.Background()
	b := env.Browser

	if err := b.Click("#download-handbook\\.pdf"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNoticeDecision(ctx, "step_up", 15*time.Second)
	if err != nil {
		t.Fatalf("no step-up prompt after the IP change: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	if !strings.Contains(notice.Text, stepUpTitle) {
		t.Errorf("prompt text %q does not contain %q", notice.Text, stepUpTitle)
	}
	if err := b.Screenshot(artifactPath(t, "step-up-prompt.png")); err != nil {
		t.Error(err)
	}
	if files := completedFiles(t, b); slices.Contains(files, "handbook.pdf") {
		t.Fatalf("handbook.pdf landed before the step-up: %v", files)
	}

	page := openStepUpPage(t, env)
	code, err := harness.NextTOTPCode(secret)
	if err != nil {
		t.Fatal(err)
	}
	result, err := harness.SubmitTOTP(page, code)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "Verified") {
		t.Errorf("step-up page after a valid code says %q, want Verified", result)
	}

	if _, err := b.WaitDownload(ctx, "handbook.pdf", 20*time.Second); err != nil {
		t.Fatalf("download after the step-up: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	confirmed, err := b.WaitNoticeDecision(ctx, "confirmed", 10*time.Second)
	if err != nil {
		t.Error(err)
	} else if !strings.Contains(confirmed.Text, confirmedTitle) {
		t.Errorf("notice after the step-up %q does not contain %q", confirmed.Text, confirmedTitle)
	}

	row, err := env.Server.WaitActivity(ctx, 10*time.Second, func(a harness.Activity) bool {
		return a.FileName == "handbook.pdf" && a.Decision == "step_up"
	})
	if err != nil {
		t.Fatalf("no step_up activity logged for handbook.pdf: %v", err)
	}
	if !slices.Contains(row.PolicyIDs, "step-up-after-ip-change") {
		t.Errorf("step_up logged with policies %v, want step-up-after-ip-change", row.PolicyIDs)
	}
	if row.SourceIP != "127.0.0.2" {
		t.Errorf("step_up logged from source IP %q, want 127.0.0.2", row.SourceIP)
	}
}

func TestStepUpWrongCodeKeepsDownloadBlocked(t *testing.T) {
	env, secret := ipChangedEnv(t)
	ctx := context.Background()
	b := env.Browser

	if err := b.Click("#download-handbook\\.pdf"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitNoticeDecision(ctx, "step_up", 15*time.Second); err != nil {
		t.Fatalf("no step-up prompt after the IP change: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	page := openStepUpPage(t, env)
	wrong, err := harness.WrongTOTPCode(secret)
	if err != nil {
		t.Fatal(err)
	}
	result, err := harness.SubmitTOTP(page, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(result, "the code is wrong") {
		t.Errorf("step-up page after a wrong code says %q, want it to say the code is wrong", result)
	}
	time.Sleep(2 * time.Second)
	if files := completedFiles(t, b); slices.Contains(files, "handbook.pdf") {
		t.Fatalf("handbook.pdf landed after a wrong code: %v", files)
	}
	if notice, err := b.WaitNotice(ctx, time.Second); err != nil || notice.Decision != "step_up" {
		t.Errorf("after a wrong code the page shows notice %+v (err %v), want the step-up prompt still", notice, err)
	}

	// Four more wrong codes make five, the server's limit, and the
	// step-up fails for good.
	for attempt := 2; attempt <= 5; attempt++ {
		if _, err := harness.SubmitTOTP(page, wrong); err != nil {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
	}
	notice, err := b.WaitNoticeDecision(ctx, "block", 15*time.Second)
	if err != nil {
		t.Fatalf("no block notice after five wrong codes: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	if !strings.Contains(notice.Text, "Step-up failed") {
		t.Errorf("block notice %q does not say that the step-up failed", notice.Text)
	}
	time.Sleep(1500 * time.Millisecond)
	if files := completedFiles(t, b); slices.Contains(files, "handbook.pdf") {
		t.Errorf("handbook.pdf landed after the step-up failed: %v", files)
	}
}

func TestMassDownloadBlocksTwentyFirst(t *testing.T) {
	env := startEnv(t, "adaptive-policies.yaml")
	ctx := context.Background()
	b := env.Browser

	// Each download starts from a fresh page load, so Chromium's limit on
	// several downloads from one page never applies.
	for i := 1; i <= 20; i++ {
		if err := b.Navigate(env.AppURL); err != nil {
			t.Fatal(err)
		}
		if err := b.Click("#download-customers\\.csv"); err != nil {
			t.Fatal(err)
		}
		if err := waitFileCount(ctx, t, b, i, 15*time.Second); err != nil {
			t.Fatalf("download %d of 20: %v\nagent log:\n%s", i, err, env.Agent.Log())
		}
	}

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNoticeDecision(ctx, "block", 15*time.Second)
	if err != nil {
		t.Fatalf("the 21st download within a minute was not blocked: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	if err := b.Screenshot(artifactPath(t, "mass-download-blocked.png")); err != nil {
		t.Error(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if got := len(completedFiles(t, b)); got != 20 {
		t.Errorf("download folder holds %d files, want 20", got)
	}

	var found *harness.Alert
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for found == nil && wait.Err() == nil {
		alerts, err := env.Server.Alerts(ctx)
		if err != nil {
			t.Fatalf("listing alerts: %v", err)
		}
		for i := range alerts {
			if alerts[i].Detector == "mass_download" && alerts[i].User == "ana@corp.test" {
				found = &alerts[i]
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if found == nil {
		t.Fatalf("GET /api/v1/alerts lists no mass_download alert for ana@corp.test (block notice: %q)", notice.Text)
	}
	if found.Action != "block_user" {
		t.Errorf("alert action %q, want block_user", found.Action)
	}
	if len(found.Evidence) < 21 {
		t.Errorf("alert evidence lists %d activities, want the 21 downloads", len(found.Evidence))
	}
}

func waitFileCount(ctx context.Context, t *testing.T, b *harness.Browser, want int, timeout time.Duration) error {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := len(completedFiles(t, b))
		if got >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the download folder holds %d finished files after %s, want %d", got, timeout, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPasteOfCardNumberBlocked(t *testing.T) {
	env := startEnv(t, "adaptive-policies.yaml")
	ctx := context.Background()
	b := env.Browser

	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	// An allowed copy and paste goes through the hold and lands.
	copyNotes(t, b, "meeting at noon")
	if err := b.EditCommand("v", "paste"); err != nil {
		t.Fatal(err)
	}
	if err := waitValue(ctx, b, "#notes", "meeting at noon", 10*time.Second); err != nil {
		t.Fatalf("allowed paste: %v\nagent log:\n%s", err, env.Agent.Log())
	}

	copyNotes(t, b, "card 4111 1111 1111 1111")
	if err := b.EditCommand("v", "paste"); err != nil {
		t.Fatal(err)
	}
	notice, err := b.WaitNoticeDecision(ctx, "block", 15*time.Second)
	if err != nil {
		t.Fatalf("paste of a card number: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	if !strings.Contains(notice.Text, cardPasteMessage) {
		t.Errorf("notice text %q does not contain %q", notice.Text, cardPasteMessage)
	}
	if err := b.Screenshot(artifactPath(t, "paste-blocked.png")); err != nil {
		t.Error(err)
	}
	value, err := b.Value("#notes")
	if err != nil {
		t.Fatal(err)
	}
	if value != "" {
		t.Errorf("notes hold %q after a blocked paste, want nothing", value)
	}

	row, err := env.Server.WaitActivity(ctx, 10*time.Second, func(a harness.Activity) bool {
		return a.Activity == "paste" && a.Decision == "block"
	})
	if err != nil {
		t.Fatalf("blocked paste not logged: %v", err)
	}
	if !slices.Contains(row.PolicyIDs, "block-card-paste") {
		t.Errorf("paste logged with policies %v, want block-card-paste", row.PolicyIDs)
	}
	if !slices.Contains(row.FileDetectors, "payment_card") {
		t.Errorf("paste logged with detectors %v, want payment_card", row.FileDetectors)
	}
}

// copyNotes types text into the notes box, copies it with Ctrl+C (which
// the extension holds until its verdict) and empties the box again.
func copyNotes(t *testing.T, b *harness.Browser, text string) {
	t.Helper()
	if err := b.SetValue("#notes", ""); err != nil {
		t.Fatal(err)
	}
	if err := b.TypeInto("#notes", text); err != nil {
		t.Fatal(err)
	}
	if err := b.EditCommand("a", "selectAll"); err != nil {
		t.Fatal(err)
	}
	if err := b.EditCommand("c", "copy"); err != nil {
		t.Fatal(err)
	}
	// The copy completes once the extension has its verdict.
	time.Sleep(1500 * time.Millisecond)
	if err := b.SetValue("#notes", ""); err != nil {
		t.Fatal(err)
	}
}

func waitValue(ctx context.Context, b *harness.Browser, selector, want string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		got, err := b.Value(selector)
		if err == nil && got == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("field %s holds %q, want %q (last error: %v)", selector, got, want, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBlockedUserBlockedInOpenTab(t *testing.T) {
	env := startEnv(t, "adaptive-policies.yaml", withIdentity(t, "ana@corp.test"))
	ctx := context.Background()
	b := env.Browser

	signIn(t, env)
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := env.Server.BlockUser(ctx, "ana@corp.test", "end-to-end test"); err != nil {
		t.Fatalf("blocking the user through the API: %v", err)
	}
	notice, err := b.WaitNoticeDecision(ctx, "access", 15*time.Second)
	if err != nil {
		t.Errorf("the open tab shows no access change: %v", err)
	} else if !strings.Contains(notice.Text, "Your access changed") {
		t.Errorf("access notice %q does not say that the access changed", notice.Text)
	}

	// The notice lookups above use DOM.getDocument, after which
	// chromedp's selector queries in this page never return, so the link is
	// clicked by its position.
	if err := b.MouseClick("#download-customers\\.csv"); err != nil {
		t.Fatal(err)
	}
	blocked, err := b.WaitNoticeDecision(ctx, "block", 15*time.Second)
	if err != nil {
		t.Fatalf("the next download of a blocked user was not blocked: %v\nagent log:\n%s", err, env.Agent.Log())
	}
	if blocked.EventID == "" {
		t.Errorf("block notice %q has no event id, so the agent or the extension decided it, not the server", blocked.Text)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(b.DownloadDir, "customers.csv")); err == nil {
		t.Errorf("customers.csv landed for a blocked user")
	}
}
