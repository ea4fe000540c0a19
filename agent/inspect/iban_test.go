package inspect

import "testing"

func TestIBANDetection(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"gb spaced", "GB82 WEST 1234 5698 7654 32", 1},
		{"gb compact", "GB82WEST12345698765432", 1},
		{"de spaced", "DE89 3704 0044 0532 0130 00", 1},
		{"be", "BE68 5390 0754 7034", 1},
		{"fr", "FR14 2004 1010 0505 0001 3M02 606", 1},
		{"no", "NO9386011117947", 1},
		{"mt longest sepa", "MT84MALT011000012345MTLCAST001S", 1},
		{"in sentence", "Pay to: DE89370400440532013000.", 1},
		{"check digits wrong", "GB82 TEST 1234 5698 7654 32", 0},
		{"check digits changed", "GB83 WEST 1234 5698 7654 32", 0},
		{"digit changed", "DE89 3704 0044 0532 0130 01", 0},
		{"too short", "GB82 WEST 1234 5698 7654 3", 0},
		{"too long", "GB82WEST123456987654321", 0},
		{"too long spaced", "DE89 3704 0044 0532 0130 001", 0},
		{"unknown country", "ZZ82 WEST 1234 5698 7654 32", 0},
		{"lower case", "gb82 west 1234 5698 7654 32", 0},
		{"lower case bban", "GB82 west 1234 5698 7654 32", 0},
		{"letter before", "XGB82WEST12345698765432", 0},
		{"digit before", "1GB82WEST12345698765432", 0},
		{"letter after", "GB82WEST12345698765432X", 0},
		{"uneven groups", "GB82 WEST 12345 698 7654 32", 0},
		{"half spaced", "GB82 WEST12345698765432", 0},
		{"double space", "GB82  WEST 1234 5698 7654 32", 0},
	}
	in := newInspector(t, Config{IBANs: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(in.ScanText([]byte(tt.text)), DetectorIBAN); got != tt.want {
				t.Errorf("ScanText(%q): got %d IBANs, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestIBANRedaction(t *testing.T) {
	f, ok := defaultInspector(t).ScanText([]byte("GB82 WEST 1234 5698 7654 32")).Finding(DetectorIBAN)
	if !ok {
		t.Fatal("got no IBAN finding")
	}
	if got, want := f.Samples[0].Redacted, "GB** **** **** **** **54 32"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIBANLengthsSEPA(t *testing.T) {
	sepa := []string{"AD", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
		"GB", "GI", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MT", "NL",
		"NO", "PL", "PT", "RO", "SE", "SI", "SK", "SM", "VA"}
	for _, cc := range sepa {
		n := ibanLengths[[2]byte{cc[0], cc[1]}]
		if n < 15 || n > maxIBANLength {
			t.Errorf("ibanLengths[%s]: got %d, want a length in 15..%d", cc, n, maxIBANLength)
		}
	}
}
