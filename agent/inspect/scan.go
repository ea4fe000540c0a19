package inspect

// byteClass sorts bytes for the built-in scanner. Bytes of 0x80 and above
// are classOther, so a number written right after a non-ASCII letter (as in
// Chinese or Japanese text, which has no spaces) is still at a boundary.
type byteClass uint8

const (
	classOther byteClass = iota
	classDigit
	classUpper
	classLower
)

var classes = func() (t [256]byteClass) {
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = classUpper
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classLower
	}
	return t
}()

func isDigit(c byte) bool { return classes[c] == classDigit }

// startsMatch marks the bytes that can start a built-in match: digits
// (cards, SSNs) and upper-case letters (IBANs).
var startsMatch = func() (t [256]bool) {
	for c := range t {
		k := classes[c]
		t[c] = k == classDigit || k == classUpper
	}
	return t
}()

// builtinScanner finds cards, SSNs and IBANs in one pass over the text. A
// word is a run of ASCII letters and digits, and only a word that starts
// with a digit or an upper-case letter can start a match. The scanner jumps
// from one such byte to the next. When that byte does not start a word, it
// is inside a longer word, so the rest of that word is skipped.
type builtinScanner struct {
	cards, ssns, ibans          bool
	cardSlot, ssnSlot, ibanSlot int
}

func (s *builtinScanner) scan(text []byte, t *tally) {
	n := len(text)
	i := 0
	for {
		for i < n && !startsMatch[text[i]] {
			i++
		}
		if i >= n {
			return
		}
		if i > 0 && classes[text[i-1]] != classOther {
			i = skipWord(text, i)
			continue
		}
		if isDigit(text[i]) {
			i = s.scanNumber(text, i, t)
			continue
		}
		if s.ibans {
			if end, ok := matchIBAN(text, i); ok {
				t.add(s.ibanSlot, text, i, end)
				i = end
				continue
			}
		}
		i = skipWord(text, i)
	}
}

func skipWord(text []byte, i int) int {
	for i < len(text) && classes[text[i]] != classOther {
		i++
	}
	return i
}

// skipNumber skips digits, letters and any '.' or '-' between them, which is
// how decimal numbers, versions and part numbers are written.
func skipNumber(text []byte, i int) int {
	for i < len(text) {
		c := text[i]
		joined := (c == '.' || c == '-') && i+1 < len(text) && classes[text[i+1]] != classOther
		if classes[c] == classOther && !joined {
			return i
		}
		i++
	}
	return i
}

// scanNumber examines the number that starts at p, records a card or SSN
// if it is one, and returns where scanning resumes.
func (s *builtinScanner) scanNumber(text []byte, p int, t *tally) int {
	tok := readDashToken(text, p)
	end := tok.end
	if end < len(text) {
		c := text[end]
		if classes[c] != classOther {
			// Letters right after the digits: an identifier, not a number.
			return skipWord(text, end)
		}
		if c == '.' && end+1 < len(text) && isDigit(text[end+1]) {
			return skipNumber(text, end)
		}
	}
	if joinedOnLeft(text, p) {
		return end
	}
	if tok.count > 1 {
		s.checkDashed(text, tok, t)
		return end
	}
	if s.cards && tok.digits >= minCardDigits && tok.digits <= maxCardDigits {
		if validCard(text[p:end]) {
			t.add(s.cardSlot, text, p, end)
		}
		return end
	}
	if s.cards && tok.digits == 4 {
		if cardEnd, ok := matchSpacedCard(text, p, end); ok {
			t.add(s.cardSlot, text, p, cardEnd)
			return cardEnd
		}
	}
	return end
}

// joinedOnLeft reports whether the number at p continues a word that ends
// in a digit through a '.' or '-', as in "1.5" or "A1-2".
func joinedOnLeft(text []byte, p int) bool {
	if p < 2 {
		return false
	}
	c := text[p-1]
	return (c == '.' || c == '-') && classes[text[p-2]] == classDigit
}

func (s *builtinScanner) checkDashed(text []byte, tok dashToken, t *tally) {
	if tok.count > maxGroups {
		return
	}
	if s.ssns && validSSN(text, tok) {
		t.add(s.ssnSlot, text, tok.start, tok.end)
		return
	}
	if s.cards && cardLayout(tok.groups[:tok.count]) {
		var buf [maxCardDigits]byte
		if validCard(compactDigits(buf[:0], text[tok.start:tok.end])) {
			t.add(s.cardSlot, text, tok.start, tok.end)
		}
	}
}

// maxGroups is the number of digit groups a dashToken records; card layouts
// have at most five and SSNs three.
const maxGroups = 6

// dashToken is a run of digit groups joined by single dashes, such as
// "536-22-8145" or "4111111111111111".
type dashToken struct {
	start, end int
	groups     [maxGroups]int // length of each group, up to maxGroups
	count      int            // number of groups; more than maxGroups means too many
	digits     int
}

func readDashToken(text []byte, p int) dashToken {
	tok := dashToken{start: p}
	j := p
	for {
		g := j
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if tok.count < maxGroups {
			tok.groups[tok.count] = j - g
		}
		tok.count++
		tok.digits += j - g
		if j+1 < len(text) && text[j] == '-' && isDigit(text[j+1]) {
			j++
			continue
		}
		break
	}
	tok.end = j
	return tok
}

func compactDigits(dst, value []byte) []byte {
	for _, c := range value {
		if isDigit(c) && len(dst) < cap(dst) {
			dst = append(dst, c)
		}
	}
	return dst
}
