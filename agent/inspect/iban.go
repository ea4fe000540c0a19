package inspect

// ibanLengths maps a country code to the length of its IBANs, from the
// SWIFT IBAN registry. Territories that use another country's format (the
// French overseas departments, Åland, the Crown Dependencies) are listed
// with that country's length.
var ibanLengths = map[[2]byte]int{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'X'}: 18,
	{'A', 'Z'}: 28, {'B', 'A'}: 20, {'B', 'E'}: 16, {'B', 'G'}: 22, {'B', 'H'}: 22,
	{'B', 'L'}: 27, {'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21, {'C', 'R'}: 22,
	{'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'K'}: 18, {'D', 'O'}: 28,
	{'E', 'E'}: 20, {'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'O'}: 18,
	{'F', 'R'}: 27, {'G', 'B'}: 22, {'G', 'E'}: 22, {'G', 'F'}: 27, {'G', 'G'}: 22,
	{'G', 'I'}: 23, {'G', 'L'}: 18, {'G', 'P'}: 27, {'G', 'R'}: 27, {'G', 'T'}: 28,
	{'H', 'R'}: 21, {'H', 'U'}: 28, {'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'M'}: 22,
	{'I', 'Q'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27, {'J', 'E'}: 22, {'J', 'O'}: 30,
	{'K', 'W'}: 30, {'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32, {'L', 'I'}: 21,
	{'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21, {'L', 'Y'}: 25, {'M', 'C'}: 27,
	{'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'F'}: 27, {'M', 'K'}: 19, {'M', 'Q'}: 27,
	{'M', 'R'}: 27, {'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'C'}: 27, {'N', 'L'}: 18,
	{'N', 'O'}: 15, {'P', 'F'}: 27, {'P', 'K'}: 24, {'P', 'L'}: 28, {'P', 'M'}: 27,
	{'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'E'}: 27, {'R', 'O'}: 24,
	{'R', 'S'}: 22, {'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'E'}: 24, {'S', 'I'}: 19,
	{'S', 'K'}: 24, {'S', 'M'}: 27, {'S', 'T'}: 25, {'S', 'V'}: 28, {'T', 'F'}: 27,
	{'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29, {'V', 'A'}: 22,
	{'V', 'G'}: 24, {'W', 'F'}: 27, {'X', 'K'}: 20, {'Y', 'T'}: 27,
}

const maxIBANLength = 34

func isIBANChar(c byte) bool {
	k := classes[c]
	return k == classDigit || k == classUpper
}

// matchIBAN looks for an IBAN at the start of the word at i, either compact
// ("GB82WEST12345698765432") or printed in groups of four separated by
// single spaces ("GB82 WEST 1234 5698 7654 32"). Letters must be upper
// case. The IBAN must end at a word boundary and pass the ISO 7064 mod-97
// check. It returns the end of the IBAN.
//
// NOTE: the country's BBAN layout (which positions are letters or digits)
// is not checked, only its length.
func matchIBAN(text []byte, i int) (int, bool) {
	if i+4 > len(text) || classes[text[i+1]] != classUpper || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
		return 0, false
	}
	length := ibanLengths[[2]byte{text[i], text[i+1]}]
	if length == 0 {
		return 0, false
	}
	var buf [maxIBANLength]byte
	iban := append(buf[:0], text[i:i+4]...)
	j := i + 4
	spaced := j < len(text) && text[j] == ' '
	for len(iban) < length && j < len(text) {
		c := text[j]
		if spaced && len(iban)%4 == 0 && text[j-1] != ' ' {
			// Each group of four must be followed by one space.
			if c != ' ' || j+1 >= len(text) || !isIBANChar(text[j+1]) {
				break
			}
			j++
			continue
		}
		if !isIBANChar(c) {
			break
		}
		iban = append(iban, c)
		j++
	}
	if len(iban) != length || (j < len(text) && classes[text[j]] != classOther) {
		return 0, false
	}
	return j, mod97(iban) == 1
}

// mod97 moves the first four characters to the end, reads letters as
// 10–35, and returns the remainder of that number modulo 97.
func mod97(iban []byte) int {
	r := 0
	for k := range iban {
		c := iban[(k+4)%len(iban)]
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	return r
}
