package inspect

import "sort"

// Report is the result of inspecting one file or text.
type Report struct {
	Format    Format    // detected format; empty for ScanText
	TextBytes int       // size of the scanned text
	Findings  []Finding // detectors that reached their MinCount, sorted by Detector
}

// Finding is the result of one detector on a text.
type Finding struct {
	Detector string
	Count    int
	// Samples holds up to Config.MaxSamples redacted matches, in text order.
	Samples []Sample
	// Offsets holds the byte offsets of up to Config.MaxOffsets matches into
	// the extracted text, in text order.
	Offsets []int
}

// Sample is one match with most of its value masked.
type Sample struct {
	Offset   int    // byte offset into the extracted text
	Length   int    // length in bytes of the match
	Redacted string // the match with all but a few trailing characters masked
}

// Finding returns the finding of the detector id, or false if it reported
// nothing.
func (r Report) Finding(id string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Detector == id {
			return f, true
		}
	}
	return Finding{}, false
}

// tally collects the matches of one scan, one slot per detector.
type tally struct {
	findings   []Finding
	minCounts  []int
	redactors  []func([]byte) string
	maxSamples int
	maxOffsets int
}

func (t *tally) add(slot int, text []byte, start, end int) {
	f := &t.findings[slot]
	f.Count++
	if len(f.Offsets) < t.maxOffsets {
		f.Offsets = append(f.Offsets, start)
	}
	if len(f.Samples) < t.maxSamples {
		f.Samples = append(f.Samples, Sample{
			Offset:   start,
			Length:   end - start,
			Redacted: t.redactors[slot](text[start:end]),
		})
	}
}

func (t *tally) report(textBytes int) Report {
	r := Report{TextBytes: textBytes}
	for i, f := range t.findings {
		if f.Count > 0 && f.Count >= t.minCounts[i] {
			r.Findings = append(r.Findings, f)
		}
	}
	sort.Slice(r.Findings, func(i, j int) bool {
		return r.Findings[i].Detector < r.Findings[j].Detector
	})
	return r
}
