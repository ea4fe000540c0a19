package policy

import (
	"testing"

	"parapet/protocol"
)

func TestMatchName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Q3.DOCX", "q3.docx"},
		{"q3.docx.", "q3.docx"},
		{"q3.docx . .", "q3.docx"},
		{"q3.docx\u200b", "q3.docx"},
		{"a\u202egpj.docx", "agpj.docx"},
		{"q3.docx::$DATA", "q3.docx"},
		{"q3.docx:Zone.Identifier", "q3.docx"},
		{"report.pdf", "report.pdf"},
	}
	for _, tt := range tests {
		if got := matchName(tt.name); got != tt.want {
			t.Errorf("matchName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFileNameVariantsStillMatch(t *testing.T) {
	set, err := Parse("p.yaml", []byte(`apps:
  - id: files
    hosts: ["files.corp.test"]
policies:
  - id: block-docx
    apps: [files]
    files: ["*.docx"]
    decision: block
    message: "No Word files."
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"q3.docx.", "q3.docx ", "q3.docx\u200b", "q3.docx::$DATA", "Q3.DOCX"} {
		req := &protocol.ActionRequest{Activity: protocol.ActivityDownload, AppHost: "files.corp.test",
			PageURL: "https://files.corp.test/", File: &protocol.FileInfo{Name: name, Size: 1}}
		if got := set.Decide(&Input{Request: req}).Decision; got != protocol.DecisionBlock {
			t.Errorf("file %q: got %s, want block", name, got)
		}
	}
}
