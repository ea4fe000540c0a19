package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parapet/agent/label"
	"parapet/test/harness"
	"parapet/test/sampleapp"
)

// startEnvAs starts every part with the policies in test/testdata, as
// startEnv does, with the agent enrolled for user.
func startEnvAs(t *testing.T, policies, user string) *harness.Env {
	t.Helper()
	requireChromium(t)
	data, err := os.ReadFile(filepath.Join("..", "testdata", policies))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env, err := harness.Start(context.Background(), harness.Options{
		Dir: dir, BinDir: binDir, Policies: string(data), User: user, Headless: true,
	})
	if err != nil {
		t.Fatalf("starting Parapet: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("stopping Parapet: %v", err)
		}
		if t.Failed() {
			for _, name := range []string{"server.log", "agent.log"} {
				data, _ := os.ReadFile(filepath.Join(dir, name))
				t.Logf("%s:\n%s", name, data)
			}
		}
	})
	return env
}

// waitLabel polls the file's labels until the Confidential label of the
// test tenant is on it, because the agent labels a download after Chromium
// has finished writing it.
func waitLabel(t *testing.T, env *harness.Env, path string, timeout time.Duration) label.Entry {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		res, err := label.Read(path)
		lastErr = err
		if err == nil {
			if entry, ok := res.ForTenant(tenantID); ok {
				return entry
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s has no label of tenant %s after %s (last read error: %v)\nagent log:\n%s",
		filepath.Base(path), tenantID, timeout, lastErr, env.Agent.Log())
	return label.Entry{}
}

func expectProtectLogged(t *testing.T, env *harness.Env, policyID string) {
	t.Helper()
	row, err := env.Server.WaitActivity(context.Background(), 10*time.Second, func(a harness.Activity) bool {
		return a.Activity == "download" && a.FileName == "q3-forecast.docx"
	})
	if err != nil {
		t.Fatalf("download of q3-forecast.docx not logged: %v", err)
	}
	if row.Decision != "protect" {
		t.Errorf("logged decision %q, want protect", row.Decision)
	}
	if !slices.Contains(row.PolicyIDs, policyID) {
		t.Errorf("logged policy ids %v, want %s among them", row.PolicyIDs, policyID)
	}
}

// parapetCLI runs bin's parapet with args and returns its output.
func parapetCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(filepath.Join(binDir, "parapet"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("parapet %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestProtectGuestDownloadEncrypted(t *testing.T) {
	env := startEnvAs(t, "protect-policies.yaml", "guest@partner.test")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-q3-forecast\\.docx"); err != nil {
		t.Fatal(err)
	}
	data, err := b.WaitDownload(context.Background(), "q3-forecast.docx.parapet", 30*time.Second)
	if err != nil {
		files, _ := b.DownloadedFiles()
		t.Fatalf("%v (download folder holds %v)\nagent log:\n%s", err, files, env.Agent.Log())
	}
	protected := filepath.Join(b.DownloadDir, "q3-forecast.docx.parapet")

	// A person without Parapet sees a text preamble that says what the
	// file is, followed by the age-encrypted content.
	if !bytes.HasPrefix(data, []byte("PARAPET PROTECTED FILE v1\n")) {
		t.Errorf("q3-forecast.docx.parapet starts with %q, want the Parapet preamble", data[:min(len(data), 26)])
	}
	if !bytes.Contains(data, []byte("parapet file open")) {
		t.Error("the preamble does not tell the user how to open the file")
	}
	if !bytes.Contains(data, []byte("age-encryption.org/v1\n")) {
		t.Error("q3-forecast.docx.parapet holds no age-encrypted content")
	}
	original, _ := sampleapp.FileContent("q3-forecast.docx")
	if bytes.Contains(data, original[:64]) {
		t.Error("q3-forecast.docx.parapet contains the plaintext")
	}
	// The plaintext must not stay next to the encrypted copy.
	time.Sleep(time.Second)
	files, err := b.DownloadedFiles()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(files, "q3-forecast.docx") {
		t.Errorf("download folder holds %v, want no plaintext q3-forecast.docx", files)
	}

	show := parapetCLI(t, "file", "show", protected)
	if !strings.Contains(show, confidentialID) || !strings.Contains(show, "encrypted for one user") {
		t.Errorf("parapet file show printed\n%s\nwant the label %s and user encryption", show, confidentialID)
	}

	opened := filepath.Join(t.TempDir(), "q3-forecast.docx")
	parapetCLI(t, "file", "open", "--agent-config", env.Agent.ConfigPath(), "--out", opened, protected)
	res, err := label.Read(opened)
	if err != nil {
		t.Fatalf("reading the label of the opened file: %v", err)
	}
	if entry, ok := res.ForTenant(tenantID); !ok || entry.ID != confidentialID {
		t.Errorf("opened file labels %+v, want %s of tenant %s", res.Labels, confidentialID, tenantID)
	}

	expectProtectLogged(t, env, "protect-guest-downloads")
	row, err := env.Server.WaitActivity(context.Background(), 10*time.Second, func(a harness.Activity) bool {
		return a.Activity == "download" && a.Stored != nil
	})
	if err != nil {
		t.Fatalf("the agent did not report the stored file: %v", err)
	}
	sum := sha256.Sum256(data)
	if row.Stored.Encryption != "user" || row.Stored.SHA256 != hex.EncodeToString(sum[:]) || row.Stored.Label != confidentialID {
		t.Errorf("stored file %+v, want user encryption, the .parapet file's sha256 and label %s", row.Stored, confidentialID)
	}
	if _, err := env.Server.WaitActivity(context.Background(), 5*time.Second, func(a harness.Activity) bool {
		return a.Activity == "open" && a.Decision == "allow" && a.FileName == "q3-forecast.docx.parapet"
	}); err != nil {
		t.Errorf("the opening was not logged: %v", err)
	}
}

func TestProtectEmployeeDownloadLabeled(t *testing.T) {
	env := startEnvAs(t, "protect-policies.yaml", "ana@corp.test")
	b := env.Browser
	if err := b.Navigate(env.AppURL); err != nil {
		t.Fatal(err)
	}
	if err := b.Click("#download-q3-forecast\\.docx"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(b.DownloadDir, "q3-forecast.docx")
	if _, err := b.WaitDownload(context.Background(), "q3-forecast.docx", 30*time.Second); err != nil {
		files, _ := b.DownloadedFiles()
		t.Fatalf("%v (download folder holds %v)\nagent log:\n%s", err, files, env.Agent.Log())
	}

	entry := waitLabel(t, env, path, 15*time.Second)
	if entry.ID != confidentialID || !entry.Active() {
		t.Errorf("label %+v, want the active label %s", entry.Label, confidentialID)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("PK")) {
		t.Errorf("q3-forecast.docx starts with %q, want a plain OOXML zip", data[:min(len(data), 8)])
	}
	files, err := b.DownloadedFiles()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(files, "q3-forecast.docx.parapet") {
		t.Errorf("download folder holds %v, want no encrypted copy for an employee", files)
	}

	expectProtectLogged(t, env, "label-employee-downloads")
}
