// Package inspect extracts the text of a file and runs content detectors over
// it: payment card numbers, US Social Security numbers, IBANs and
// admin-defined patterns and keyword lists.
//
// Reports carry counts, byte offsets into the extracted text and redacted
// samples. No function in this package logs or returns a full matched value.
package inspect
