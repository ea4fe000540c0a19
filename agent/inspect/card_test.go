package inspect

import (
	"strings"
	"testing"
)

func TestCardDetection(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"visa16", "4242424242424242", 1},
		{"visa13", "4222222222222", 1},
		{"visa19", "4000000000000000006", 1},
		{"visa14 wrong length", "42222222222226", 0},
		{"mastercard 55", "5555555555554444", 1},
		{"mastercard 2221", "2221000000000009", 1},
		{"mastercard 2720", "2720990000000007", 1},
		{"mastercard 2721 no issuer", "2721000000000004", 0},
		{"mastercard 15 digits", "555555555555442", 0},
		{"amex 34", "340000000000009", 1},
		{"amex 37", "378282246310005", 1},
		{"amex 16 digits", "3782822463100052", 0},
		{"discover 6011", "6011111111111117", 1},
		{"discover 644", "6440000000000005", 1},
		{"discover 65", "6500000000000002", 1},
		{"jcb", "3530111333300000", 1},
		{"diners 14", "30569309025904", 1},
		{"diners 36", "36227206271667", 1},
		{"prefix 1 epoch millis", "1548138160707", 0},
		{"prefix 9", "9999999999999995", 0},
		{"luhn failure", "4111111111111112", 0},
		{"digits before", "94242424242424242", 0},
		{"digits after", "42424242424242428", 0},
		{"inside 20 digits", "99994242424242424242", 0},
		{"letter before", "x4242424242424242", 0},
		{"letter after", "4242424242424242x", 0},
		{"letters both sides", "ab4242424242424242cd", 0},
		{"underscore is boundary", "_4242424242424242_", 1},
		{"decimal after", "4242424242424242.5", 0},
		{"decimal before", "0.4242424242424242", 0},
		{"dash number before", "12-4242424242424242", 0},
		{"sentence period", "Card 4242424242424242.", 1},
		{"csv fields", "alice,4242424242424242,12/27", 1},
		{"non-ascii neighbours", "卡号4242424242424242。", 1},
		{"spaces", "4111 1111 1111 1111", 1},
		{"dashes", "5105-1051-0510-5100", 1},
		{"amex spaced", "3782 822463 10005", 1},
		{"amex dashed", "3782-822463-10005", 1},
		{"visa13 spaced", "4222 2222 2222 2", 1},
		{"mixed separators", "4111 1111-1111 1111", 0},
		{"mixed separators dash first", "4111-1111 1111 1111", 0},
		{"double space", "4111  1111 1111 1111", 0},
		{"bad grouping", "41111 111111 11111", 0},
		{"dashed inside longer dashed run", "9999-4111-1111-1111-1111", 0},
		{"dashed with letter after", "4111-1111-1111-1111x", 0},
		{"spaced with letter after", "4111 1111 1111 1111x", 0},
		{"spaced then cvv", "4111 1111 1111 1111 123", 1},
		{"spaced then expiry", "4111 1111 1111 1111 12/27", 1},
		{"number then spaced", "qty 12 4111 1111 1111 1111", 1},
		{"spaced luhn failure", "4111 1111 1111 1112", 0},
		{"two cards", "4242424242424242 and 5555555555554444", 2},
		{"two spaced cards", "4111 1111 1111 1111 4111 1111 1111 1111", 2},
		{"at end", "pay with 378282246310005", 1},
	}
	in := newInspector(t, Config{Cards: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(in.ScanText([]byte(tt.text)), DetectorCard); got != tt.want {
				t.Errorf("ScanText(%q): got %d cards, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestCardOffsetsAndRedaction(t *testing.T) {
	text := "a 4111 1111 1111 1111 b 378282246310005"
	r := defaultInspector(t).ScanText([]byte(text))
	f, ok := r.Finding(DetectorCard)
	if !ok {
		t.Fatalf("got no card finding in %q", text)
	}
	if f.Count != 2 {
		t.Fatalf("got count %d, want 2", f.Count)
	}
	wantOffsets := []int{2, strings.Index(text, "3782")}
	for i, want := range wantOffsets {
		if f.Offsets[i] != want {
			t.Errorf("offset %d: got %d, want %d", i, f.Offsets[i], want)
		}
		if f.Samples[i].Offset != want {
			t.Errorf("sample %d offset: got %d, want %d", i, f.Samples[i].Offset, want)
		}
	}
	if got, want := f.Samples[0].Redacted, "**** **** **** 1111"; got != want {
		t.Errorf("sample 0: got %q, want %q", got, want)
	}
	if got, want := f.Samples[1].Redacted, "***********0005"; got != want {
		t.Errorf("sample 1: got %q, want %q", got, want)
	}
	if got, want := f.Samples[0].Length, len("4111 1111 1111 1111"); got != want {
		t.Errorf("sample 0 length: got %d, want %d", got, want)
	}
}

func TestLuhn(t *testing.T) {
	tests := []struct {
		digits string
		want   bool
	}{
		{"79927398713", true},
		{"79927398710", false},
		{"0", true},
		{"18", true},
		{"4111111111111111", true},
		{"4111111111111121", false},
	}
	for _, tt := range tests {
		if got := luhnValid([]byte(tt.digits)); got != tt.want {
			t.Errorf("luhnValid(%q): got %v, want %v", tt.digits, got, tt.want)
		}
	}
}

func TestCardLimits(t *testing.T) {
	text := strings.Repeat("4242424242424242 ", 20)
	in := newInspector(t, Config{Cards: true, MaxSamples: 3, MaxOffsets: 7})
	f, _ := in.ScanText([]byte(text)).Finding(DetectorCard)
	if f.Count != 20 {
		t.Errorf("got count %d, want 20", f.Count)
	}
	if len(f.Samples) != 3 {
		t.Errorf("got %d samples, want 3", len(f.Samples))
	}
	if len(f.Offsets) != 7 {
		t.Errorf("got %d offsets, want 7", len(f.Offsets))
	}
}
