// Package label reads and writes Microsoft Information Protection (MIP)
// sensitivity labels in the places Office, PDF tools and the MIP SDK keep
// them: the OOXML LabelInfo part and custom properties, the PDF document
// information dictionary and XMP metadata, and, for every other file type,
// an extended attribute or alternate data stream owned by Parapet.
package label

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Assignment methods, as the MIP SDK writes them in MSIP_Label_<GUID>_Method.
const (
	MethodStandard   = "Standard"   // applied by default or automatically
	MethodPrivileged = "Privileged" // selected by a person
)

// Label is one sensitivity label record as stored in a file.
type Label struct {
	ID          string    `json:"id"`        // label GUID, lowercase, no braces
	TenantID    string    `json:"tenant_id"` // Microsoft Entra tenant GUID (SiteId), lowercase, no braces
	Name        string    `json:"name,omitempty"`
	Enabled     bool      `json:"enabled"`
	Method      string    `json:"method,omitempty"`
	SetDate     time.Time `json:"set_date,omitzero"`
	ContentBits uint32    `json:"content_bits,omitempty"` // header 0x1, footer 0x2, watermark 0x4, encrypt 0x8
	Removed     bool      `json:"removed,omitempty"`
	ActionID    string    `json:"action_id,omitempty"` // GUID; MIP SDK 1.8 and later no longer write it
}

// Active reports whether the record labels the file: enabled and not removed.
func (l Label) Active() bool {
	return l.Enabled && !l.Removed
}

// Source is the place in a file where a label record was found.
type Source string

const (
	SourceLabelInfo   Source = "ooxml-labelinfo" // docMetadata/LabelInfo.xml or wherever its relationship points
	SourceCustomProps Source = "ooxml-custom"    // MSIP_Label_* properties in docProps/custom.xml
	SourcePDFInfo     Source = "pdf-info"        // MSIP_Label_* keys of the document information dictionary
	SourcePDFXMP      Source = "pdf-xmp"         // MSIP_Label_* properties in the catalog's XMP metadata
	SourceXattr       Source = "xattr"           // Parapet's extended attribute
	SourceStream      Source = "ads"             // Parapet's NTFS alternate data stream
)

// Entry is a label record together with the place it came from.
type Entry struct {
	Label
	Source Source `json:"source"`
}

// Result is the set of label records read from a file.
type Result struct {
	// Labels holds the effective label of each tenant that labeled the
	// file, sorted by tenant. A tenant whose deciding record is removed or
	// disabled has no entry here.
	Labels []Entry
	// Records holds every record read, in source priority order, including
	// removed and disabled ones.
	Records []Entry
}

// Effective returns the effective label of the file: the first entry of
// Labels. The second result is false when the file is unlabeled.
func (r Result) Effective() (Entry, bool) {
	if len(r.Labels) == 0 {
		return Entry{}, false
	}
	return r.Labels[0], true
}

// ForTenant returns the effective label that the given tenant applied.
func (r Result) ForTenant(tenantID string) (Entry, bool) {
	want := normalizeGUID(tenantID)
	for _, e := range r.Labels {
		if e.TenantID == want {
			return e, true
		}
	}
	return Entry{}, false
}

// resolve builds a Result from records listed in source priority order.
// For each tenant, the highest-priority source that has any record for that
// tenant decides, so a removed LabelInfo record hides an enabled custom
// property of the same tenant. Records are matched by tenant and label GUID,
// never by name.
func resolve(records []Entry) Result {
	deciding := map[string]Source{}
	labelIDs := map[string]string{} // label GUID -> tenant, for records without a SiteId
	for _, r := range records {
		if r.TenantID == "" {
			continue
		}
		if _, ok := deciding[r.TenantID]; !ok {
			deciding[r.TenantID] = r.Source
		}
		labelIDs[r.ID] = r.TenantID
	}

	chosen := map[string]Entry{}
	for _, r := range records {
		tenant := r.TenantID
		if tenant == "" {
			// A record without a SiteId belongs to the tenant of a
			// record with the same label GUID, when one exists.
			tenant = labelIDs[r.ID]
		}
		if src, ok := deciding[tenant]; ok && src != r.Source {
			continue
		}
		if _, done := chosen[tenant]; done || !r.Active() {
			continue
		}
		chosen[tenant] = r
	}

	res := Result{Records: records}
	for _, e := range chosen {
		res.Labels = append(res.Labels, e)
	}
	sort.Slice(res.Labels, func(i, j int) bool { return res.Labels[i].TenantID < res.Labels[j].TenantID })
	return res
}

// normalizeGUID lowercases a GUID and strips surrounding braces.
func normalizeGUID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{")
	s = strings.TrimSuffix(s, "}")
	return strings.ToLower(s)
}

// isGUID reports whether s is a GUID in the 8-4-4-4-12 hex form.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// parseBool parses a boolean the way xsd:boolean and the MIP SDK's "True" or
// "False" strings allow, ignoring case and surrounding space. Any other
// value is false, so an unreadable Enabled flag never labels a file.
func parseBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true
	}
	return false
}

// setDateLayouts are the timestamp forms seen in MSIP_Label_<GUID>_SetDate:
// extended ISO 8601 with a numeric zone with or without a colon.
var setDateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05",
}

// parseSetDate parses a SetDate value. An unparsable value yields the zero
// time, and the label record is kept.
func parseSetDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range setDateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func formatSetDate(t time.Time) string {
	return t.Format(time.RFC3339)
}

// parseContentBits parses a decimal or 0x-prefixed hexadecimal bit mask.
func parseContentBits(s string) uint32 {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 0, 32)
	if err != nil {
		return 0
	}
	return uint32(n)
}

// ErrInvalidLabel is wrapped by errors for labels that cannot be written.
var ErrInvalidLabel = errors.New("invalid label")

// normalizeForWrite checks a label before it is written and returns it with
// GUIDs lowercased and the method spelled as the MIP SDK spells it. An empty
// method becomes Standard, the method for labels applied automatically.
func normalizeForWrite(l Label) (Label, error) {
	l.ID = normalizeGUID(l.ID)
	l.TenantID = normalizeGUID(l.TenantID)
	l.ActionID = normalizeGUID(l.ActionID)
	if !isGUID(l.ID) {
		return l, fmt.Errorf("%w: label ID %q is not a GUID", ErrInvalidLabel, l.ID)
	}
	if !isGUID(l.TenantID) {
		return l, fmt.Errorf("%w: tenant ID %q is not a GUID", ErrInvalidLabel, l.TenantID)
	}
	if l.ActionID != "" && !isGUID(l.ActionID) {
		return l, fmt.Errorf("%w: action ID %q is not a GUID", ErrInvalidLabel, l.ActionID)
	}
	switch strings.ToLower(l.Method) {
	case "", "standard":
		l.Method = MethodStandard
	case "privileged":
		l.Method = MethodPrivileged
	default:
		return l, fmt.Errorf("%w: method %q is neither Standard nor Privileged", ErrInvalidLabel, l.Method)
	}
	return l, nil
}
