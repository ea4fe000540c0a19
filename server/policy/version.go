package policy

// validVersion reports whether v is a dotted version such as "10.0.19045",
// "v1.4.2" or "14.5-beta": an optional "v", then digits separated by dots,
// then an optional suffix after "-" or "+" that comparisons ignore.
func validVersion(v string) bool {
	v = trimVersion(v)
	if v == "" {
		return false
	}
	digits := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && digits > 0:
			digits = 0
		default:
			return false
		}
	}
	return digits > 0
}

// trimVersion drops a leading "v" and any suffix after "-" or "+".
func trimVersion(v string) string {
	if len(v) > 0 && (v[0] == 'v' || v[0] == 'V') {
		v = v[1:]
	}
	for i := 0; i < len(v); i++ {
		if v[i] == '-' || v[i] == '+' {
			return v[:i]
		}
	}
	return v
}

// compareVersions compares two valid versions number by number, treating
// missing numbers as 0, so "10.0" equals "10.0.0". It returns -1, 0 or 1.
func compareVersions(a, b string) int {
	a, b = trimVersion(a), trimVersion(b)
	for a != "" || b != "" {
		var x, y uint64
		x, a = leadingNumber(a)
		y, b = leadingNumber(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// leadingNumber parses the digits before the first dot and returns the
// rest after that dot. Numbers above 1e18 saturate.
func leadingNumber(s string) (uint64, string) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] != '.'; i++ {
		if n < 1e18 {
			n = n*10 + uint64(s[i]-'0')
		}
	}
	if i < len(s) {
		i++
	}
	return n, s[i:]
}
