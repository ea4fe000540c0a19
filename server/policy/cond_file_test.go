package policy

import (
	"testing"
)

func TestConditionFile(t *testing.T) {
	sized := func(name string, size int64, mime string) *Input {
		in := download(name)
		in.Request.File.Size = size
		in.Request.File.MIMEType = mime
		return in
	}
	const tenant = "6F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9"
	const otherTenant = "aaaaaaaa-4b5a-4978-8695-a4b3c2d1e0f9"
	labeledBy := func(label, labelTenant string, detectors ...string) *Input {
		in := download("q3.xlsx")
		in.File = FileFacts{LabelID: label, LabelTenant: labelTenant, Detectors: detectors}
		return in
	}
	labeled := func(label string, detectors ...string) *Input { return labeledBy(label, tenant, detectors...) }
	const confidential = "0B5A8C3E-3F0E-4D7F-9C4A-1E2D3C4B5A69"
	inspected := func(result string) *Input {
		in := download("backup.zip")
		in.Request.File.Inspection = result
		return in
	}
	runConditionCases(t, []conditionCase{
		{"name glob", `{file: {names: ["*.docx"]}}`, download("Q3.DOCX"), true},
		{"name glob differs", `{file: {names: ["report-*"]}}`, download("q3.docx"), false},
		{"no file", `{file: {names: ["*"]}}`, download(""), false},
		{"extension", "{file: {extensions: [docx, .XLSX]}}", download("q3.xlsx"), true},
		{"extension differs", "{file: {extensions: [docx]}}", download("q3.docx.pdf"), false},
		{"no extension", "{file: {extensions: [docx]}}", download("docx"), false},
		{"size in range", "{file: {size: {min: 10, max: 100}}}", sized("a", 100, ""), true},
		{"size below", "{file: {size: {min: 10}}}", sized("a", 9, ""), false},
		{"size above", "{file: {size: {max: 100}}}", sized("a", 101, ""), false},
		{"size unknown", "{file: {size: {max: 100}}}", sized("a", -1, ""), false},
		{"mime exact", "{file: {mime_types: [application/pdf]}}", sized("a", 1, "Application/PDF; q=1"), true},
		{"mime wildcard", "{file: {mime_types: [image/*]}}", sized("a", 1, "image/png"), true},
		{"mime wildcard differs", "{file: {mime_types: [image/*]}}", sized("a", 1, "imagex/png"), false},
		{"mime missing", "{file: {mime_types: [image/*]}}", sized("a", 1, ""), false},
		{"label present", "{file: {label: {present: true}}}", labeled(confidential), true},
		{"label absent", "{file: {label: {present: true}}}", labeled(""), false},
		{"unlabeled", "{file: {label: {present: false}}}", labeled(""), true},
		{"label in", "{file: {label: {in: [0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69]}}}", labeled(confidential), true},
		{"label not in", "{file: {label: {in: [1c6b9d4f-4a1f-4e8a-8d5b-2f3e4d5c6b7a]}}}", labeled(confidential), false},
		{"label of another tenant not in", "{file: {label: {in: [0b5a8c3e-3f0e-4d7f-9c4a-1e2d3c4b5a69]}}}", labeledBy(confidential, otherTenant), false},
		{"label of another tenant not present", "{file: {label: {present: true}}}", labeledBy(confidential, otherTenant), false},
		{"label of another tenant counts as unlabeled", "{file: {label: {present: false}}}", labeledBy(confidential, otherTenant), true},
		{"detector", "{file: {detectors: [credit_card, iban]}}", labeled("", "iban"), true},
		{"detector differs", "{file: {detectors: [credit_card]}}", labeled("", "iban"), false},
		{"fields all match", "{file: {extensions: [xlsx], detectors: [iban]}}", labeled("", "iban"), true},
		{"inspection failed", "{file: {inspection: [failed, oversized]}}", inspected("failed"), true},
		{"inspection complete", "{file: {inspection: [failed, oversized]}}", inspected("complete"), false},
		{"no inspection", "{file: {inspection: [none]}}", inspected(""), true},
	})
}
