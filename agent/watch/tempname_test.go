package watch

import "testing"

func TestIsTemporaryName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"report.pdf.crdownload", true},
		{"Unconfirmed 196614.crdownload", true},
		{"REPORT.PDF.CRDOWNLOAD", true},
		{"report.pdf.x7Gq2.part", true},
		{"report.pdf.part", true},
		{"setup.exe.partial", true},
		{"archive.zip.download", true},
		{"~WRL0001.tmp", true},
		{"data.TEMP", true},
		{".goutputstream-7U75JW", true},
		{".file.atomic", true},
		{".com.google.Chrome.aB3xYz", true},
		{".notes.txt.swp", true},
		{".#notes.txt", true},
		{"foo.txt~", true},
		{"#notes.txt#", true},
		{"~$budget.xlsx", true},
		{"report.pdf", false},
		{"file", false},
		{"setup.exe", false},
		{"part", false},
		{".part", true},
		{"tmp", false},
		{"party.txt", false},
		{"report.parts", false},
		{"#", false},
		{"#hashtag.txt", false},
		{"~budget.xlsx", false},
		{"report (1).pdf", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsTemporaryName(tt.name); got != tt.want {
			t.Errorf("IsTemporaryName(%q): got %v, want %v", tt.name, got, tt.want)
		}
	}
}
