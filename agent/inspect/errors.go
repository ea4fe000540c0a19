package inspect

import (
	"errors"
	"fmt"
)

var (
	// ErrLimitExceeded is wrapped by every *LimitError.
	ErrLimitExceeded = errors.New("limit exceeded")
	// ErrUnsupportedFormat means the content matches no format that the
	// package can extract text from.
	ErrUnsupportedFormat = errors.New("unsupported file format")
	// ErrEncrypted means the file is encrypted, so its text cannot be read.
	ErrEncrypted = errors.New("encrypted file")
)

// LimitError reports that a file exceeds one of the [Limits].
type LimitError struct {
	Limit   string // name of the Limits field, such as "MaxMemberBytes"
	Max     int64  // value of that field
	Subject string // description of the input, such as `zip member "word/document.xml"`
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s exceeds Limits.%s (%d)", e.Subject, e.Limit, e.Max)
}

func (e *LimitError) Unwrap() error { return ErrLimitExceeded }

func limitError(limit string, max int64, format string, args ...any) error {
	return &LimitError{Limit: limit, Max: max, Subject: fmt.Sprintf(format, args...)}
}
