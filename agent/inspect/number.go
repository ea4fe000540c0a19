package inspect

import "bytes"

// maxExpandedDigits bounds the integer digits that expandNumber writes.
const maxExpandedDigits = 30

// expandNumber appends v to dst, with an integer written in exponent
// notation ("4.111111111111111E+15") expanded to its digits
// ("4111111111111111"). Other values are appended unchanged. The digits are
// moved as text, so no precision is lost to floating point.
func expandNumber(dst, v []byte) []byte {
	e := bytes.IndexAny(v, "eE")
	if e < 0 {
		return append(dst, v...)
	}
	mantissa, expText := v[:e], v[e+1:]
	sign := []byte(nil)
	if len(mantissa) > 0 && (mantissa[0] == '-' || mantissa[0] == '+') {
		sign, mantissa = mantissa[:1], mantissa[1:]
	}
	intPart, fracPart, _ := bytes.Cut(mantissa, []byte("."))
	exp, ok := parseExponent(expText)
	if !ok || !allDigits(intPart) || !allDigits(fracPart) || len(intPart) == 0 ||
		exp < len(fracPart) || len(intPart)+exp > maxExpandedDigits {
		return append(dst, v...)
	}
	digits := append(append([]byte{}, intPart...), fracPart...)
	for range exp - len(fracPart) {
		digits = append(digits, '0')
	}
	digits = bytes.TrimLeft(digits, "0")
	if len(digits) == 0 {
		return append(dst, '0')
	}
	if sign != nil && sign[0] == '-' {
		dst = append(dst, '-')
	}
	return append(dst, digits...)
}

func parseExponent(b []byte) (int, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 3 || !allDigits(b) {
		return 0, false
	}
	return atoi(b), true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}
