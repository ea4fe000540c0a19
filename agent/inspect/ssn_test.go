package inspect

import "testing"

func TestSSNDetection(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"valid", "536-22-8145", 1},
		{"area 899", "899-12-3456", 1},
		{"area 665", "665-12-3456", 1},
		{"area 667", "667-12-3456", 1},
		{"area 001", "001-01-0001", 1},
		{"area 000", "000-12-3456", 0},
		{"area 666", "666-12-3456", 0},
		{"area 900", "900-12-3456", 0},
		{"area 950", "950-12-3456", 0},
		{"area 999", "999-12-3456", 0},
		{"group 00", "123-00-4567", 0},
		{"serial 0000", "123-45-0000", 0},
		{"in sentence", "SSN: 536-22-8145.", 1},
		{"digit before", "1536-22-8145", 0},
		{"digit after", "536-22-81451", 0},
		{"letter before", "a536-22-8145", 0},
		{"letter after", "536-22-8145a", 0},
		{"longer dashed run before", "1-536-22-8145", 0},
		{"longer dashed run after", "536-22-8145-1", 0},
		{"decimal before", "1.536-22-8145", 0},
		{"decimal after", "536-22-8145.5", 0},
		{"spaces not matched", "536 22 8145", 0},
		{"bare digits not matched", "536228145", 0},
		{"mixed separators", "536-22 8145", 0},
		{"wrong grouping", "53-622-8145", 0},
		{"two", "536-22-8145, 899-12-3456", 2},
	}
	in := newInspector(t, Config{SSNs: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := count(in.ScanText([]byte(tt.text)), DetectorSSN); got != tt.want {
				t.Errorf("ScanText(%q): got %d SSNs, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestSSNRedaction(t *testing.T) {
	f, ok := defaultInspector(t).ScanText([]byte("id 536-22-8145")).Finding(DetectorSSN)
	if !ok {
		t.Fatal("got no SSN finding")
	}
	if got, want := f.Samples[0].Redacted, "***-**-8145"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := f.Offsets[0], 3; got != want {
		t.Errorf("got offset %d, want %d", got, want)
	}
}
