package inspect

const (
	minCardDigits = 13
	maxCardDigits = 19
	maxCardGroups = 5
)

// validCard reports whether digits (ASCII digits only) has the length of a
// card number for its issuer prefix and passes the Luhn check.
func validCard(digits []byte) bool {
	if len(digits) < minCardDigits || len(digits) > maxCardDigits {
		return false
	}
	return issuerAllowsLength(digits) && luhnValid(digits)
}

// issuerAllowsLength checks the issuer identification number prefix against
// the number's length. Ranges follow the networks' published IIN ranges:
// Visa 4 (13, 16, 19 digits); Mastercard 51–55 and 2221–2720 (16); American
// Express 34, 37 (15); Discover 6011, 644–649, 65 (16–19); JCB 3528–3589
// (16–19); Diners Club 300–305, 3095, 36, 38, 39 (14–19).
//
// NOTE: UnionPay (62) and Maestro (50, 56–69) are not detected, because
// their wide ranges and lengths would report too many ordinary numbers.
func issuerAllowsLength(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p3 := p2*10 + int(d[2]-'0')
	p4 := p3*10 + int(d[3]-'0')
	switch {
	case d[0] == '4':
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65:
		return n >= 16 && n <= 19
	case p4 >= 3528 && p4 <= 3589:
		return n >= 16 && n <= 19
	case p3 >= 300 && p3 <= 305, p4 == 3095, p2 == 36, p2 == 38, p2 == 39:
		return n >= 14 && n <= 19
	}
	return false
}

func luhnValid(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// cardLayout reports whether digit groups of these lengths are a way cards
// are printed: groups of four with a shorter last group ("4111 1111 1111
// 1111", "4222 2222 2222 2"), or 4-6-5 and 4-6-4 as on American Express and
// Diners Club cards.
func cardLayout(groups []int) bool {
	total := 0
	for _, g := range groups {
		total += g
	}
	if total < minCardDigits || total > maxCardDigits {
		return false
	}
	if len(groups) == 3 {
		return groups[0] == 4 && groups[1] == 6 && (groups[2] == 5 || groups[2] == 4)
	}
	if len(groups) < 4 || len(groups) > maxCardGroups {
		return false
	}
	last := len(groups) - 1
	for _, g := range groups[:last] {
		if g != 4 {
			return false
		}
	}
	return groups[last] >= 1 && groups[last] <= 4
}

// matchSpacedCard looks for a card written as digit groups separated by
// single spaces, starting with the four digits at text[p:end], and returns
// the end of the card. A space is a word break, so other numbers may follow
// the card, as in "4111 1111 1111 1111 123". Of the valid cards that start
// at p, the one with the maximum number of groups wins.
func matchSpacedCard(text []byte, p, end int) (int, bool) {
	var lens, ends [maxCardGroups]int
	lens[0], ends[0] = end-p, end
	k := 1
	j := end
	for k < maxCardGroups && j+1 < len(text) && text[j] == ' ' && isDigit(text[j+1]) {
		g := j + 1
		e := g
		for e < len(text) && isDigit(text[e]) {
			e++
		}
		if !boundaryAfter(text, e) {
			break
		}
		lens[k], ends[k] = e-g, e
		k++
		j = e
	}
	for m := k; m >= 3; m-- {
		if !cardLayout(lens[:m]) {
			continue
		}
		var buf [maxCardDigits]byte
		if validCard(compactDigits(buf[:0], text[p:ends[m-1]])) {
			return ends[m-1], true
		}
	}
	return 0, false
}

// boundaryAfter reports whether a number may end at e: the next byte is not
// a letter or digit, and not a '.' or '-' that joins another digit.
func boundaryAfter(text []byte, e int) bool {
	if e >= len(text) {
		return true
	}
	c := text[e]
	if classes[c] != classOther {
		return false
	}
	if (c == '.' || c == '-') && e+1 < len(text) && isDigit(text[e+1]) {
		return false
	}
	return true
}
