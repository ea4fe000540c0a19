package inspect

import (
	"strings"
	"testing"
)

func TestPatternDetector(t *testing.T) {
	in := newInspector(t, Config{Patterns: []PatternDetector{
		{ID: "project", Pattern: `\bPRJ-[0-9]{4}\b`},
		{ID: "twice", Pattern: `secret-[a-z]+`, MinCount: 2},
	}})
	r := in.ScanText([]byte("PRJ-1234, PRJ-5678 and XPRJ-9999; secret-alpha"))
	if got := count(r, "project"); got != 2 {
		t.Errorf("project: got %d, want 2", got)
	}
	if _, ok := r.Finding("twice"); ok {
		t.Errorf("twice: got a finding below MinCount, want none")
	}
	r = in.ScanText([]byte("secret-alpha secret-beta"))
	if got := count(r, "twice"); got != 2 {
		t.Errorf("twice: got %d, want 2", got)
	}
}

func TestPatternRedaction(t *testing.T) {
	in := newInspector(t, Config{Patterns: []PatternDetector{{ID: "p", Pattern: `key=[a-z0-9]+`}}})
	value := "key=abcdefgh1234"
	f, _ := in.ScanText([]byte(value)).Finding("p")
	if len(f.Samples) != 1 {
		t.Fatalf("got %d samples, want 1", len(f.Samples))
	}
	got := f.Samples[0].Redacted
	if got != "************1234" {
		t.Errorf("got %q, want %q", got, "************1234")
	}
	long := "key=" + strings.Repeat("a", 200)
	f, _ = in.ScanText([]byte(long)).Finding("p")
	if n := len([]rune(f.Samples[0].Redacted)); n > maxRedactedRunes+1 {
		t.Errorf("got a sample of %d runes, want at most %d", n, maxRedactedRunes+1)
	}
}

func TestKeywordDetector(t *testing.T) {
	in := newInspector(t, Config{Keywords: []KeywordDetector{
		{ID: "label", Keywords: []string{"confidential", "Top Secret", "Geheim"}},
		{ID: "many", Keywords: []string{"draft"}, MinCount: 3},
	}})
	tests := []struct {
		name string
		text string
		id   string
		want int
	}{
		{"plain", "this is confidential.", "label", 1},
		{"upper case", "CONFIDENTIAL", "label", 1},
		{"mixed case", "CoNfIdEnTiAl", "label", 1},
		{"prefix of word", "confidentiality", "label", 0},
		{"suffix of word", "nonconfidential", "label", 0},
		{"digit after", "confidential2", "label", 0},
		{"phrase", "marked top secret today", "label", 1},
		{"phrase line break", "top\nsecret", "label", 1},
		{"phrase hyphen", "top-secret", "label", 1},
		{"phrase missing separator", "topsecret", "label", 0},
		{"phrase broken", "top, secret", "label", 0},
		{"non-ascii case", "GEHEIM und geheim", "label", 2},
		{"below min count", "draft draft", "many", 0},
		{"at min count", "Draft, draft, DRAFT", "many", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(in.ScanText([]byte(tt.text)), tt.id); got != tt.want {
				t.Errorf("ScanText(%q): got %d %s, want %d", tt.text, got, tt.id, tt.want)
			}
		})
	}
}

func TestKeywordUnicodeBoundary(t *testing.T) {
	in := newInspector(t, Config{Keywords: []KeywordDetector{{ID: "k", Keywords: []string{"straße"}}}})
	tests := []struct {
		text string
		want int
	}{
		{"Straße 5", 1},
		{"STRAßE", 1},
		{"Hauptstraße", 0},
		{"straßen", 0},
	}
	for _, tt := range tests {
		if got := count(in.ScanText([]byte(tt.text)), "k"); got != tt.want {
			t.Errorf("ScanText(%q): got %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"empty id", Config{Patterns: []PatternDetector{{Pattern: "x"}}}, "empty id"},
		{"duplicate id", Config{Patterns: []PatternDetector{{ID: "a", Pattern: "x"}, {ID: "a", Pattern: "y"}}}, `"a" is used twice`},
		{"builtin id", Config{Keywords: []KeywordDetector{{ID: DetectorCard, Keywords: []string{"x"}}}}, "built-in"},
		{"bad regexp", Config{Patterns: []PatternDetector{{ID: "a", Pattern: "("}}}, "compiling pattern"},
		{"long regexp", Config{Patterns: []PatternDetector{{ID: "a", Pattern: strings.Repeat("a", MaxPatternLength+1)}}}, "more than the maximum"},
		{"empty match", Config{Patterns: []PatternDetector{{ID: "a", Pattern: "a*"}}}, "empty string"},
		{"no keywords", Config{Keywords: []KeywordDetector{{ID: "k"}}}, "no keywords"},
		{"punctuation keyword", Config{Keywords: []KeywordDetector{{ID: "k", Keywords: []string{"c++"}}}}, "only letters"},
		{"blank keyword", Config{Keywords: []KeywordDetector{{ID: "k", Keywords: []string{" - "}}}}, "no letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDisabledBuiltins(t *testing.T) {
	text := []byte("4242424242424242 536-22-8145 GB82WEST12345698765432")
	in := newInspector(t, Config{})
	if r := in.ScanText(text); len(r.Findings) != 0 {
		t.Errorf("got %s with all detectors off, want none", detected(r))
	}
	r := defaultInspector(t).ScanText(text)
	for _, id := range []string{DetectorCard, DetectorSSN, DetectorIBAN} {
		if got := count(r, id); got != 1 {
			t.Errorf("%s: got %d, want 1", id, got)
		}
	}
}

func TestFindingsSorted(t *testing.T) {
	in := newInspector(t, Config{Cards: true, SSNs: true, IBANs: true,
		Keywords: []KeywordDetector{{ID: "a-keyword", Keywords: []string{"card"}}}})
	r := in.ScanText([]byte("GB82WEST12345698765432 card 536-22-8145 4242424242424242"))
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Detector)
	}
	want := []string{"a-keyword", DetectorIBAN, DetectorCard, DetectorSSN}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
}
