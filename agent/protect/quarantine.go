package protect

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parapet/protocol"
)

// NoticeSuffix ends the name of the text file that replaces a blocked
// download: "report.pdf" becomes "report.pdf.blocked-by-parapet.txt".
const NoticeSuffix = ".blocked-by-parapet.txt"

// quarantined is the pair of paths a blocked download leaves.
type quarantined struct {
	stored string // the file in the quarantine folder
	notice string // the notice left in the download folder
}

// quarantine moves the blocked file at path into the quarantine folder,
// with mode 0600, and writes a notice with the reason in its place.
func (p *Protector) quarantine(path string, req *protocol.ActionRequest, v *protocol.Verdict) (quarantined, error) {
	dir := p.cfg.QuarantineDir
	if dir == "" {
		return quarantined{}, errors.New("quarantining download: no quarantine folder configured")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return quarantined{}, fmt.Errorf("creating quarantine folder: %w", err)
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	stored, err := freeName(filepath.Join(dir, stamp+"-"+filepath.Base(path)), "")
	if err != nil {
		return quarantined{}, err
	}
	if err := moveFile(path, stored); err != nil {
		return quarantined{}, err
	}
	notice, err := freeName(path, NoticeSuffix)
	if err != nil {
		return quarantined{stored: stored}, err
	}
	if err := writeFileAtomic(notice, []byte(noticeText(filepath.Base(path), stored, req, v)), 0o644); err != nil {
		return quarantined{stored: stored}, fmt.Errorf("writing block notice: %w", err)
	}
	return quarantined{stored: stored, notice: notice}, nil
}

// moveFile renames src to dst, or copies and removes it when they are on
// different file systems.
func moveFile(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil {
		return os.Chmod(dst, 0o600)
	}
	var linkErr *os.LinkError
	if !errors.As(err, &linkErr) {
		return errPath("moving", src, err)
	}

	in, err := os.Open(src)
	if err != nil {
		return errPath("opening", src, err)
	}
	defer in.Close()

	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", dst, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return fmt.Errorf("copying %s to %s: %w", src, dst, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(dst)
		return fmt.Errorf("syncing %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", dst, err)
	}

	in.Close() // Windows cannot remove a file that is still open
	if err := os.Remove(src); err != nil {
		return fmt.Errorf("removing %s after copying it to quarantine: %w", src, err)
	}
	return nil
}

func noticeText(name, stored string, req *protocol.ActionRequest, v *protocol.Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Parapet blocked the download of %s and moved the file out of this folder.\n\n", name)
	if v.Message != "" {
		fmt.Fprintf(&b, "%s\n\n", v.Message)
	}
	if req.TargetURL != "" {
		fmt.Fprintf(&b, "Downloaded from: %s\n", req.TargetURL)
	}
	fmt.Fprintf(&b, "Reason: %s\n", v.Reason)
	if v.EventID != "" {
		fmt.Fprintf(&b, "Event id, for IT support: %s\n", v.EventID)
	}
	fmt.Fprintf(&b, "Kept by the Parapet agent as: %s\n", stored)
	b.WriteString("\nThe browser or program that saved this file does not run the Parapet extension. " +
		"Download files from protected apps with a browser that has the extension, or contact IT.\n")
	return b.String()
}
