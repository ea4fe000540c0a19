package inspect

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPatternLength is the maximum length in bytes of a PatternDetector's
// pattern, which bounds the size of the compiled program.
const MaxPatternLength = 1024

const (
	maxCustomDetectors = 256
	maxKeywordsTotal   = 10000
	maxKeywordLength   = 256
)

type patternDetector struct {
	re   *regexp.Regexp
	slot int
}

func compilePattern(d PatternDetector) (*regexp.Regexp, error) {
	if len(d.Pattern) > MaxPatternLength {
		return nil, fmt.Errorf("pattern of detector %q is %d bytes, more than the maximum %d", d.ID, len(d.Pattern), MaxPatternLength)
	}
	re, err := regexp.Compile(d.Pattern)
	if err != nil {
		return nil, fmt.Errorf("compiling pattern of detector %q: %w", d.ID, err)
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("pattern of detector %q matches the empty string", d.ID)
	}
	return re, nil
}

func (p patternDetector) scan(text []byte, t *tally) {
	pos := 0
	for pos < len(text) {
		loc := p.re.FindIndex(text[pos:])
		if loc == nil {
			return
		}
		start, end := pos+loc[0], pos+loc[1]
		t.add(p.slot, text, start, end)
		pos = end
	}
}

// phrase is one keyword split into case-folded words.
type phrase struct {
	rest []string // words after the first
	slot int
}

// keywordMatcher finds the keywords of all KeywordDetectors in one pass. It
// indexes phrases by their first folded word.
type keywordMatcher struct {
	byFirst map[string][]phrase
	// firstBytes marks the bytes a matching word can start with: both cases
	// of an ASCII first letter, and every non-ASCII byte, because folding
	// may map a non-ASCII rune to any letter.
	firstBytes [256]bool
}

func (m *keywordMatcher) addDetector(d KeywordDetector, slot int) error {
	if len(d.Keywords) == 0 {
		return fmt.Errorf("keyword detector %q has no keywords", d.ID)
	}
	for _, k := range d.Keywords {
		words, err := splitKeyword(k)
		if err != nil {
			return fmt.Errorf("keyword detector %q: %w", d.ID, err)
		}
		m.byFirst[words[0]] = append(m.byFirst[words[0]], phrase{rest: words[1:], slot: slot})
		m.markFirstByte(words[0][0])
	}
	return nil
}

func (m *keywordMatcher) markFirstByte(c byte) {
	for b := utf8.RuneSelf; b < 256; b++ {
		m.firstBytes[b] = true
	}
	m.firstBytes[c] = true
	if 'a' <= c && c <= 'z' {
		m.firstBytes[c-'a'+'A'] = true
	}
}

func splitKeyword(k string) ([]string, error) {
	if len(k) > maxKeywordLength {
		return nil, fmt.Errorf("keyword of %d bytes is longer than the maximum %d", len(k), maxKeywordLength)
	}
	for _, r := range k {
		if !isWordRune(r) && !isPhraseSeparator(r) {
			return nil, fmt.Errorf("keyword %q contains %q: only letters, digits, spaces and hyphens are supported", k, r)
		}
	}
	words := strings.FieldsFunc(k, isPhraseSeparator)
	if len(words) == 0 {
		return nil, fmt.Errorf("keyword %q has no letters or digits", k)
	}
	for i, w := range words {
		words[i] = string(foldWord(nil, []byte(w)))
	}
	return words, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

func isPhraseSeparator(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '-'
}

// foldWord appends the lower-case form of word to dst. Lower-casing each
// rune is the simple case mapping, not full Unicode case folding.
func foldWord(dst, word []byte) []byte {
	for i := 0; i < len(word); {
		c := word[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(word[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// nextWord returns the bounds of the first word at or after i, or start ==
// len(text) if there is none. ASCII bytes are classified by table, the rest
// by unicode.
func nextWord(text []byte, i int) (start, end int) {
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if classes[c] != classOther {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		if isWordRune(r) {
			break
		}
		i += size
	}
	start = i
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if classes[c] == classOther {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return start, i
}

func (m *keywordMatcher) scan(text []byte, t *tally) {
	var folded []byte
	pos := 0
	for {
		start, end := nextWord(text, pos)
		if start >= len(text) {
			return
		}
		pos = end
		if !m.firstBytes[text[start]] {
			continue
		}
		folded = foldWord(folded[:0], text[start:end])
		for _, ph := range m.byFirst[string(folded)] {
			if phraseEnd, ok := matchRest(text, end, ph.rest); ok {
				t.add(ph.slot, text, start, phraseEnd)
			}
		}
	}
}

// matchRest checks that the words of rest follow position i, each after a
// run of phrase separators, and returns the end of the last one.
func matchRest(text []byte, i int, rest []string) (int, bool) {
	var folded []byte
	for _, want := range rest {
		j := i
		for j < len(text) && isPhraseSeparator(rune(text[j])) {
			j++
		}
		if j == i || j >= len(text) {
			return 0, false
		}
		start, end := nextWord(text, j)
		if start != j {
			return 0, false
		}
		folded = foldWord(folded[:0], text[start:end])
		if string(folded) != want {
			return 0, false
		}
		i = end
	}
	return i, true
}
