package inspect

import (
	"context"
	"fmt"
	"io"
)

const (
	defaultMaxSamples = 5
	defaultMaxOffsets = 1000
)

// Inspector extracts text from files and runs the configured detectors. It
// is safe for concurrent use, because nothing in it changes after New.
type Inspector struct {
	builtin    builtinScanner
	patterns   []patternDetector
	keywords   *keywordMatcher // nil without keyword detectors
	ids        []string        // detector id of each tally slot
	minCounts  []int
	redactors  []func([]byte) string
	maxSamples int
	maxOffsets int
	limits     Limits
}

// New compiles the detectors of cfg. It returns an error naming the
// detector if an id is empty or repeated, a pattern does not compile or is
// too long, or a keyword is invalid.
func New(cfg Config) (*Inspector, error) {
	in := &Inspector{
		maxSamples: positiveOr(cfg.MaxSamples, defaultMaxSamples),
		maxOffsets: positiveOr(cfg.MaxOffsets, defaultMaxOffsets),
		limits:     cfg.Limits.withDefaults(),
	}
	if len(cfg.Patterns)+len(cfg.Keywords) > maxCustomDetectors {
		return nil, fmt.Errorf("%d custom detectors configured, more than the maximum %d", len(cfg.Patterns)+len(cfg.Keywords), maxCustomDetectors)
	}
	in.addBuiltins(cfg)

	seen := map[string]bool{DetectorCard: true, DetectorSSN: true, DetectorIBAN: true}
	checkID := func(id string) error {
		if id == "" {
			return fmt.Errorf("custom detector with an empty id")
		}
		if seen[id] {
			return fmt.Errorf("detector id %q is used twice or is a built-in id", id)
		}
		seen[id] = true
		return nil
	}

	for _, d := range cfg.Patterns {
		if err := checkID(d.ID); err != nil {
			return nil, err
		}
		re, err := compilePattern(d)
		if err != nil {
			return nil, err
		}
		slot := in.addSlot(d.ID, d.MinCount, redactText)
		in.patterns = append(in.patterns, patternDetector{re: re, slot: slot})
	}

	if err := in.addKeywords(cfg.Keywords, checkID); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *Inspector) addBuiltins(cfg Config) {
	b := &in.builtin
	b.cards, b.ssns, b.ibans = cfg.Cards, cfg.SSNs, cfg.IBANs
	b.cardSlot = in.addSlot(DetectorCard, 1, redactDigits)
	b.ssnSlot = in.addSlot(DetectorSSN, 1, redactDigits)
	b.ibanSlot = in.addSlot(DetectorIBAN, 1, redactIBAN)
}

func (in *Inspector) addKeywords(detectors []KeywordDetector, checkID func(string) error) error {
	total := 0
	for _, d := range detectors {
		if err := checkID(d.ID); err != nil {
			return err
		}
		total += len(d.Keywords)
		if total > maxKeywordsTotal {
			return fmt.Errorf("more than %d keywords configured", maxKeywordsTotal)
		}
		if in.keywords == nil {
			in.keywords = &keywordMatcher{byFirst: map[string][]phrase{}}
		}
		slot := in.addSlot(d.ID, d.MinCount, redactText)
		if err := in.keywords.addDetector(d, slot); err != nil {
			return err
		}
	}
	return nil
}

func (in *Inspector) addSlot(id string, minCount int, redact func([]byte) string) int {
	in.ids = append(in.ids, id)
	in.minCounts = append(in.minCounts, positiveOr(minCount, 1))
	in.redactors = append(in.redactors, redact)
	return len(in.ids) - 1
}

func positiveOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// ScanText runs the detectors over text, which should be UTF-8. Offsets in
// the report are byte offsets into text.
func (in *Inspector) ScanText(text []byte) Report {
	t := &tally{
		findings:   make([]Finding, len(in.ids)),
		minCounts:  in.minCounts,
		redactors:  in.redactors,
		maxSamples: in.maxSamples,
		maxOffsets: in.maxOffsets,
	}
	for i, id := range in.ids {
		t.findings[i].Detector = id
	}
	if in.builtin.cards || in.builtin.ssns || in.builtin.ibans {
		in.builtin.scan(text, t)
	}
	for _, p := range in.patterns {
		p.scan(text, t)
	}
	if in.keywords != nil {
		in.keywords.scan(text, t)
	}
	return t.report(len(text))
}

// Inspect extracts the text of the file of the given size read from r and
// scans it. The format is sniffed from the content. The file name may be
// empty, and its extension only separates CSV from plain text and admits
// text files that contain NUL bytes. Offsets in the report are into the
// extracted text, not the file.
//
// Inspect returns an error wrapping ErrLimitExceeded (as a *LimitError),
// ErrUnsupportedFormat or ErrEncrypted when the file cannot be inspected
// in full, and then no findings.
func (in *Inspector) Inspect(ctx context.Context, name string, r io.ReaderAt, size int64) (Report, error) {
	if size < 0 {
		return Report{}, fmt.Errorf("inspecting %q: negative size %d", name, size)
	}
	if size > in.limits.MaxInputBytes {
		return Report{}, limitError("MaxInputBytes", in.limits.MaxInputBytes, "file %q of %d bytes", name, size)
	}
	format, text, err := extract(ctx, r, size, name, in.limits)
	if err != nil {
		return Report{Format: format}, fmt.Errorf("inspecting %q: %w", name, err)
	}
	rep := in.ScanText(text)
	rep.Format = format
	return rep, nil
}
