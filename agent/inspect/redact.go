package inspect

import "unicode/utf8"

// maxRedactedRunes bounds the length of a redacted sample, so that a long
// pattern match cannot be rebuilt from its sample.
const maxRedactedRunes = 40

// redactDigits masks every digit but the last four and keeps separators, so
// "4111 1111 1111 1111" becomes "**** **** **** 1111".
func redactDigits(value []byte) string {
	return maskAlnum(value, 0, 4)
}

// redactIBAN keeps the country code and the last four characters.
func redactIBAN(value []byte) string {
	return maskAlnum(value, 2, 4)
}

// maskAlnum replaces ASCII letters and digits with '*', except the first
// keepHead and the last keepTail of them.
func maskAlnum(value []byte, keepHead, keepTail int) string {
	total := 0
	for _, c := range value {
		if classes[c] != classOther {
			total++
		}
	}
	out := make([]byte, len(value))
	seen := 0
	for i, c := range value {
		out[i] = c
		if classes[c] == classOther {
			continue
		}
		if seen >= keepHead && seen < total-keepTail {
			out[i] = '*'
		}
		seen++
	}
	return string(out)
}

// redactText masks an admin-defined match. It keeps the last quarter of the
// runes, at most four, and masks the rest. A match longer than
// maxRedactedRunes is cut to that length from the left, marked by "…".
func redactText(value []byte) string {
	runes := []rune(string(value))
	keep := min(len(runes)/4, 4)
	out := make([]rune, 0, min(len(runes), maxRedactedRunes)+1)
	if len(runes) > maxRedactedRunes {
		out = append(out, '…')
		runes = runes[len(runes)-maxRedactedRunes:]
	}
	for i, r := range runes {
		if i < len(runes)-keep && r != ' ' {
			r = '*'
		}
		if r == utf8.RuneError {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
