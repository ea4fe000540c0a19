package inspect

// validSSN reports whether tok is a US Social Security number written as
// AAA-GG-SSSS. The Social Security Administration never issues area 000,
// 666 or 900–999, group 00 or serial 0000.
//
// NOTE: SSNs are matched only with dashes. Nine bare digits, or groups
// separated by spaces, look like many other numbers (phone numbers, table
// columns), so they are not reported.
func validSSN(text []byte, tok dashToken) bool {
	if tok.count != 3 || tok.groups[0] != 3 || tok.groups[1] != 2 || tok.groups[2] != 4 {
		return false
	}
	d := text[tok.start:tok.end]
	area := atoi(d[0:3])
	group := atoi(d[4:6])
	serial := atoi(d[7:11])
	return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

func atoi(digits []byte) int {
	n := 0
	for _, c := range digits {
		n = n*10 + int(c-'0')
	}
	return n
}
