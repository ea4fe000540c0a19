package label

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// LedgerFileName is the file in the ledger folder that holds the records.
const LedgerFileName = "labels.jsonl"

// LedgerRecord is one file that the agent labeled.
type LedgerRecord struct {
	SHA256    string    `json:"sha256"` // hex digest of the file after labeling
	Label     Label     `json:"label"`
	LabeledAt time.Time `json:"labeled_at"`
	Path      string    `json:"path"`
}

// Ledger stores a record of every file the agent labeled, keyed by the
// file's SHA-256 digest, as JSON lines appended to LedgerFileName. It is
// safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	file    *os.File
	records map[string]LedgerRecord
	logger  *slog.Logger
}

// OpenLedger opens or creates the ledger in dir and loads its records. A
// later record for a digest replaces an earlier one. A last line that does
// not parse, as a crash during an append leaves, is logged and cut off. An
// invalid line before the last is an error.
func OpenLedger(dir string, logger *slog.Logger) (*Ledger, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating ledger folder %s: %w", dir, err)
	}
	name := filepath.Join(dir, LedgerFileName)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening ledger %s: %w", name, err)
	}
	l := &Ledger{file: f, records: map[string]LedgerRecord{}, logger: logger}
	if err := l.load(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

func (l *Ledger) load() error {
	data, err := io.ReadAll(l.file)
	if err != nil {
		return fmt.Errorf("reading ledger %s: %w", l.file.Name(), err)
	}
	good := 0 // length of the prefix made of complete, valid lines
	for lineNo := 1; good < len(data); lineNo++ {
		line := data[good:]
		end := bytes.IndexByte(line, '\n')
		complete := end >= 0
		if complete {
			line = line[:end]
		}
		if len(bytes.TrimSpace(line)) == 0 && complete {
			good += end + 1
			continue
		}
		var rec LedgerRecord
		err := json.Unmarshal(line, &rec)
		switch {
		case err == nil && complete:
			l.records[rec.SHA256] = rec
			good += end + 1
		case err == nil:
			// A whole record whose newline was lost is kept.
			l.records[rec.SHA256] = rec
			if _, err := l.file.Write([]byte("\n")); err != nil {
				return fmt.Errorf("repairing ledger %s: %w", l.file.Name(), err)
			}
			return nil
		case complete && good+end+1 < len(data):
			return fmt.Errorf("reading ledger %s: line %d is invalid: %v", l.file.Name(), lineNo, err)
		default:
			return l.cutTail(good, lineNo)
		}
	}
	_, err = l.file.Seek(0, io.SeekEnd)
	return err
}

// cutTail drops a damaged last line, so the next append starts on a line
// of its own.
func (l *Ledger) cutTail(size, lineNo int) error {
	l.logger.Warn("label ledger: dropping damaged last line", "path", l.file.Name(), "line", lineNo)
	if err := l.file.Truncate(int64(size)); err != nil {
		return fmt.Errorf("truncating ledger %s: %w", l.file.Name(), err)
	}
	if _, err := l.file.Seek(int64(size), io.SeekStart); err != nil {
		return fmt.Errorf("seeking ledger %s: %w", l.file.Name(), err)
	}
	return nil
}

// Record appends a record and syncs it to disk before returning.
func (l *Ledger) Record(rec LedgerRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding ledger record: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return fmt.Errorf("writing ledger: %w", os.ErrClosed)
	}
	if _, err := l.file.Write(line); err != nil {
		return fmt.Errorf("writing ledger %s: %w", l.file.Name(), err)
	}
	if err := l.file.Sync(); err != nil {
		return fmt.Errorf("syncing ledger %s: %w", l.file.Name(), err)
	}
	l.records[rec.SHA256] = rec
	return nil
}

// Lookup returns the newest record for a hex SHA-256 digest.
func (l *Ledger) Lookup(digest string) (LedgerRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec, ok := l.records[strings.ToLower(digest)]
	return rec, ok
}

// Len returns the number of distinct digests in the ledger.
func (l *Ledger) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.records)
}

// Close closes the ledger file.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return nil
	}
	err := l.file.Close()
	l.file = nil
	return err
}

// FileDigest returns the hex SHA-256 digest of the file at path, the key of
// ledger records.
func FileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, bufio.NewReader(f)); err != nil {
		return "", fmt.Errorf("hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
