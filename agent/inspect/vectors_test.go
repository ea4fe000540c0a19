package inspect

import (
	"encoding/json"
	"os"
	"testing"
)

// vectorFile is testdata/vectors.json: values each detector must report and
// values that no detector may report.
type vectorFile struct {
	CardMatch   []string          `json:"card_match"`
	CardNoMatch map[string]string `json:"card_no_match"` // value → why it is no card
	SSNMatch    []string          `json:"ssn_match"`
	SSNNoMatch  []string          `json:"ssn_no_match"`
	IBANMatch   []string          `json:"iban_match"`
	IBANNoMatch []string          `json:"iban_no_match"`
}

func readVectors(t *testing.T) vectorFile {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("parsing testdata/vectors.json: %v", err)
	}
	return v
}

func TestVectorsMatch(t *testing.T) {
	v := readVectors(t)
	in := defaultInspector(t)
	check := func(id string, values []string) {
		for _, value := range values {
			// Alone, and inside a sentence.
			for _, text := range []string{value, "ref: " + value + ", thanks."} {
				r := in.ScanText([]byte(text))
				if got := count(r, id); got != 1 {
					t.Errorf("ScanText(%q): got %d %s findings, want 1 (all: %s)", text, got, id, detected(r))
				}
				if len(r.Findings) != 1 {
					t.Errorf("ScanText(%q): got findings %s, want only %s", text, detected(r), id)
				}
			}
		}
	}
	check(DetectorCard, v.CardMatch)
	check(DetectorSSN, v.SSNMatch)
	check(DetectorIBAN, v.IBANMatch)
}

func TestVectorsNoMatch(t *testing.T) {
	v := readVectors(t)
	if len(v.CardNoMatch) == 0 || len(v.SSNNoMatch) == 0 || len(v.IBANNoMatch) == 0 {
		t.Fatal("testdata/vectors.json has an empty no-match list")
	}
	var values []string
	for value := range v.CardNoMatch {
		values = append(values, value)
	}
	values = append(values, v.SSNNoMatch...)
	values = append(values, v.IBANNoMatch...)
	in := defaultInspector(t)
	for _, value := range values {
		for _, text := range []string{value, "ts=" + value + " ok", "(" + value + ")"} {
			if r := in.ScanText([]byte(text)); len(r.Findings) != 0 {
				t.Errorf("ScanText(%q): got %s, want no findings (%s)", text, detected(r), v.CardNoMatch[value])
			}
		}
	}
}
