package policy

import (
	"strings"
	"unicode"
)

// matchName returns the form of a file name that policies match on: lower
// case, without the characters that change how a name looks or where the
// operating system stores it but not which file it opens as. That closes
// the ways around a pattern such as *.docx that browsers and file systems
// allow:
//
//   - format characters such as U+200B ZERO WIDTH SPACE or U+202E
//     RIGHT-TO-LEFT OVERRIDE, which hide or reorder parts of the name;
//   - an NTFS stream suffix such as "::$DATA" or ":Zone.Identifier";
//   - trailing dots and spaces, which Windows drops when it creates the
//     file, so "q3.docx. " is stored as "q3.docx".
func matchName(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return unicode.ToLower(r)
	}, name)
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[:i]
	}
	return strings.TrimRight(name, ". ")
}
