package protect

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"parapet/agent/label"
	"parapet/agent/protect/parapetfile"
	"parapet/protocol"
)

// apply labels the file at path and, when pend asks for it, encrypts it.
func (p *Protector) apply(path string, pend pending) (Result, error) {
	prot := pend.protection
	res := Result{Path: path, Encrypted: prot.Encrypt, Label: prot.Label, EventID: pend.eventID}
	l := fileLabel(prot.Label, time.Now().UTC())
	if err := label.Write(path, l); err != nil {
		if prot.Encrypt == protocol.EncryptNone {
			return Result{}, errPath("labeling", path, err)
		}
		// The .parapet header carries the label, so encryption goes on
		// when only an extended attribute could not be set.
		p.log.Warn("label not written before encryption", "path", path, "error", err)
	}
	digest, err := label.FileDigest(path)
	if err != nil {
		return Result{}, errPath("hashing", path, err)
	}
	if err := p.cfg.Ledger.Record(label.LedgerRecord{SHA256: digest, Label: l, LabeledAt: l.SetDate, Path: path}); err != nil {
		return Result{}, err
	}
	res.PlainSHA256, res.SHA256 = digest, digest
	if prot.Encrypt == protocol.EncryptNone {
		p.markProduced(path, digest)
		return res, nil
	}

	out, err := encryptFile(path, prot, pend.eventID)
	if err != nil {
		return Result{}, err
	}
	stored, err := label.FileDigest(out)
	if err != nil {
		return Result{}, errPath("hashing", out, err)
	}
	if err := p.cfg.Ledger.Record(label.LedgerRecord{SHA256: stored, Label: l, LabeledAt: l.SetDate, Path: out}); err != nil {
		return Result{}, err
	}
	p.markProduced(out, stored)
	res.Path, res.SHA256 = out, stored
	return res, nil
}

// encryptFile writes path's content as a .parapet file beside it and
// removes path. The .parapet file is written under a hidden temporary
// name and renamed only once complete and synced, so neither a crash nor
// an error leaves a partial file under a visible name. The plaintext is
// removed only after the rename.
func encryptFile(path string, prot protocol.Protection, eventID string) (string, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", errPath("opening", path, err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return "", errPath("reading", path, err)
	}
	out, err := freeName(path, parapetfile.Extension)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("creating temporary file: %w", err)
	}
	defer os.Remove(tmp.Name())

	h := parapetfile.Header{OriginalName: filepath.Base(path), LabelName: prot.Label.Name,
		LabelID: prot.Label.ID, LabelTenant: prot.Label.TenantID, EncryptedFor: prot.Encrypt, EventID: eventID}
	if err := parapetfile.Encrypt(tmp, src, h, prot.Recipients); err != nil {
		tmp.Close()
		return "", fmt.Errorf("encrypting %s: %w", path, err)
	}
	if err := commitTemp(tmp, out, info.Mode().Perm()); err != nil {
		return "", err
	}
	src.Close() // Windows cannot remove a file that is still open
	if err := os.Remove(path); err != nil {
		return "", fmt.Errorf("removing plaintext %s after encrypting it to %s: %w", path, out, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return "", err
	}
	return out, nil
}
