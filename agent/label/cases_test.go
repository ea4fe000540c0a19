package label

import (
	"path/filepath"
	"testing"
	"time"
)

// The label GUID, tenant and values below are the MIP SDK metadata
// documentation's example label, which the case files carry.
const (
	exampleLabelID  = "2096f6a2-d2f7-48be-b329-b73aaa526e5d"
	exampleTenantID = "cb46c030-1825-4e81-a295-151c039dbf02"
	exampleActionID = "88124cf5-1340-457d-90e1-0000a9427c99"
)

var exampleSetDate = time.Date(2018, 11, 8, 21, 13, 16, 0, time.FixedZone("", -8*3600))

func TestCaseFiles(t *testing.T) {
	tests := []struct {
		file    string
		labeled bool
		source  Source
		name    string // expected Name, only custom properties and PDF keys carry it
		setDate bool   // the source carries SetDate and ActionId
		records int
	}{
		{"01_label_customprops.docx", true, SourceCustomProps, "Confidential", true, 1},
		{"02_label_labelinfo.docx", true, SourceLabelInfo, "", false, 1},
		{"03_label_removed_labelinfo.docx", false, "", "", false, 1},
		{"05_unlabeled.docx", false, "", "", false, 0},
		{"06_label_enabled_false_customprops.docx", false, "", "", false, 1},
		{"08_label_infodict.pdf", true, SourcePDFInfo, "Confidential", true, 1},
		{"09_unlabeled.pdf", false, "", "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := Read(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got := len(res.Records); got != tt.records {
				t.Errorf("got %d records, want %d", got, tt.records)
			}
			got, ok := res.Effective()
			if ok != tt.labeled {
				t.Fatalf("got labeled %v (%+v), want %v", ok, got, tt.labeled)
			}
			if !tt.labeled {
				return
			}
			checkExampleLabel(t, got.Label, tt.name, tt.setDate)
			if got.Source != tt.source {
				t.Errorf("got source %q, want %q", got.Source, tt.source)
			}
		})
	}
}

func checkExampleLabel(t *testing.T, got Label, name string, setDate bool) {
	t.Helper()
	if got.ID != exampleLabelID {
		t.Errorf("got ID %q, want %q", got.ID, exampleLabelID)
	}
	if got.TenantID != exampleTenantID {
		t.Errorf("got tenant %q, want %q", got.TenantID, exampleTenantID)
	}
	if got.Method != MethodPrivileged {
		t.Errorf("got method %q, want %q", got.Method, MethodPrivileged)
	}
	if got.ContentBits != 2 {
		t.Errorf("got content bits %d, want 2", got.ContentBits)
	}
	if got.Name != name {
		t.Errorf("got name %q, want %q", got.Name, name)
	}
	if !got.Enabled || got.Removed {
		t.Errorf("got enabled %v removed %v, want enabled and not removed", got.Enabled, got.Removed)
	}
	if !setDate {
		return
	}
	if !got.SetDate.Equal(exampleSetDate) {
		t.Errorf("got set date %v, want %v", got.SetDate, exampleSetDate)
	}
	if got.ActionID != exampleActionID {
		t.Errorf("got action ID %q, want %q", got.ActionID, exampleActionID)
	}
}

func TestCaseRemovedRecord(t *testing.T) {
	res, err := Read(filepath.Join("testdata", "03_label_removed_labelinfo.docx"))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("got %d records, want 1", len(res.Records))
	}
	r := res.Records[0]
	if !r.Removed {
		t.Errorf("got removed false, want true")
	}
	if r.Enabled {
		t.Errorf("got enabled true, want false")
	}
	if r.TenantID != exampleTenantID {
		t.Errorf("got tenant %q, want %q", r.TenantID, exampleTenantID)
	}
}

func TestCaseFormats(t *testing.T) {
	tests := []struct {
		file string
		want Format
	}{
		{"01_label_customprops.docx", FormatOOXML},
		{"05_unlabeled.docx", FormatOOXML},
		{"08_label_infodict.pdf", FormatPDF},
		{"09_unlabeled.pdf", FormatPDF},
	}
	for _, tt := range tests {
		got, err := Detect(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatalf("Detect(%s): %v", tt.file, err)
		}
		if got != tt.want {
			t.Errorf("Detect(%s): got %v, want %v", tt.file, got, tt.want)
		}
	}
}
