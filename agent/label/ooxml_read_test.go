package label

import (
	"strings"
	"testing"
)

func TestCustomPropsBooleans(t *testing.T) {
	tests := []struct {
		enabled string
		want    bool
	}{
		{"true", true},
		{"True", true},
		{"TRUE", true},
		{" true ", true},
		{"1", true},
		{"false", false},
		{"FALSE", false},
		{"0", false},
		{"yes", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.enabled, func(t *testing.T) {
			res := readDocx(t, docx(t, "", customXML(customGroup(labelA, tenantA, tt.enabled, "Confidential"))))
			_, got := res.Effective()
			if got != tt.want {
				t.Errorf("Enabled=%q: got labeled %v, want %v", tt.enabled, got, tt.want)
			}
		})
	}
}

func TestLabelInfoBooleans(t *testing.T) {
	tests := []struct {
		enabled, removed string
		want             bool
	}{
		{"1", "0", true},
		{"true", "false", true},
		{"TRUE", "FALSE", true},
		{"0", "0", false},
		{"false", "0", false},
		{"1", "1", false},
		{"1", "True", false},
	}
	for _, tt := range tests {
		t.Run(tt.enabled+"_"+tt.removed, func(t *testing.T) {
			res := readDocx(t, docx(t, labelInfoXML(labelAttrs(labelA, tenantA, tt.enabled, tt.removed)), ""))
			_, got := res.Effective()
			if got != tt.want {
				t.Errorf("enabled=%q removed=%q: got labeled %v, want %v", tt.enabled, tt.removed, got, tt.want)
			}
		})
	}
}

func TestLabelInfoFoundByRelationship(t *testing.T) {
	tests := []struct {
		name, target, member string
		want                 bool
	}{
		{"default", "docMetadata/LabelInfo.xml", "docMetadata/LabelInfo.xml", true},
		{"other folder", "meta/labels/Sensitivity.xml", "meta/labels/Sensitivity.xml", true},
		{"absolute", "/meta/Sensitivity.xml", "meta/Sensitivity.xml", true},
		{"dot segments", "./meta/../meta/S.xml", "meta/S.xml", true},
		{"wrong case member", "docMetadata/LabelInfo.xml", "docmetadata/labelinfo.xml", false},
		{"wrong case target", "docmetadata/labelinfo.xml", "docMetadata/LabelInfo.xml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := buildZip(t,
				member{contentTypesName, contentTypesXML},
				member{packageRelsName, relsXML(labelInfoRel(tt.target))},
				member{"word/document.xml", documentXML},
				member{tt.member, labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"))},
			)
			res := readDocx(t, data)
			got, ok := res.Effective()
			if ok != tt.want {
				t.Fatalf("got labeled %v, want %v", ok, tt.want)
			}
			if ok && got.Source != SourceLabelInfo {
				t.Errorf("got source %q, want %q", got.Source, SourceLabelInfo)
			}
		})
	}
}

func TestLabelInfoWithoutRelationshipIgnored(t *testing.T) {
	data := buildZip(t,
		member{contentTypesName, contentTypesXML},
		member{packageRelsName, relsXML()},
		member{defaultLabelInfoName, labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"))},
	)
	res := readDocx(t, data)
	if got := len(res.Records); got != 0 {
		t.Errorf("got %d records, want 0", got)
	}
}

func TestExternalRelationshipIgnored(t *testing.T) {
	rels := strings.Replace(relsXML(labelInfoRel(defaultLabelInfoName)), `Target="docMetadata/LabelInfo.xml"`, `Target="docMetadata/LabelInfo.xml" TargetMode="External"`, 1)
	data := buildZip(t,
		member{contentTypesName, contentTypesXML},
		member{packageRelsName, rels},
		member{defaultLabelInfoName, labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"))},
	)
	if res := readDocx(t, data); len(res.Records) != 0 {
		t.Errorf("got %d records, want 0", len(res.Records))
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name      string
		labelInfo string
		custom    string
		want      map[string]string // tenant -> effective label GUID
		sources   map[string]Source
	}{
		{
			name:      "labelinfo wins same tenant",
			labelInfo: labelInfoXML(labelAttrs(labelA, tenantA, "1", "0")),
			custom:    customXML(customGroup(labelA2, tenantA, "true", "Public")),
			want:      map[string]string{tenantA: labelA},
			sources:   map[string]Source{tenantA: SourceLabelInfo},
		},
		{
			name:      "removed labelinfo hides custom",
			labelInfo: labelInfoXML(labelAttrs(labelA, tenantA, "0", "1")),
			custom:    customXML(customGroup(labelA, tenantA, "true", "Confidential")),
			want:      map[string]string{},
		},
		{
			name:      "disabled labelinfo hides custom",
			labelInfo: labelInfoXML(labelAttrs(labelA, tenantA, "0", "0")),
			custom:    customXML(customGroup(labelA2, tenantA, "true", "Confidential")),
			want:      map[string]string{},
		},
		{
			name:      "different tenants both kept",
			labelInfo: labelInfoXML(labelAttrs(labelA, tenantA, "1", "0")),
			custom:    customXML(customGroup(labelB, tenantB, "true", "Secret")),
			want:      map[string]string{tenantA: labelA, tenantB: labelB},
			sources:   map[string]Source{tenantA: SourceLabelInfo, tenantB: SourceCustomProps},
		},
		{
			name:      "removed tenant other tenant kept",
			labelInfo: labelInfoXML(labelAttrs(labelA, tenantA, "0", "1")),
			custom:    customXML(customGroup(labelA, tenantA, "true", "X"), customGroup(labelB, tenantB, "true", "Y")),
			want:      map[string]string{tenantB: labelB},
		},
		{
			name:   "same name different tenants",
			custom: customXML(customGroup(labelA, tenantA, "false", "Confidential"), customGroup(labelB, tenantB, "true", "Confidential")),
			want:   map[string]string{tenantB: labelB},
		},
		{
			name:      "labelinfo two tenants",
			labelInfo: labelInfoXML(labelAttrs(labelA, tenantA, "1", "0"), labelAttrs(labelB, tenantB, "1", "0")),
			want:      map[string]string{tenantA: labelA, tenantB: labelB},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readDocx(t, docx(t, tt.labelInfo, tt.custom))
			if len(res.Labels) != len(tt.want) {
				t.Fatalf("got %d labels (%+v), want %d", len(res.Labels), res.Labels, len(tt.want))
			}
			for tenant, id := range tt.want {
				got, ok := res.ForTenant(tenant)
				if !ok {
					t.Errorf("tenant %s: got no label, want %s", tenant, id)
					continue
				}
				if got.ID != id {
					t.Errorf("tenant %s: got label %s, want %s", tenant, got.ID, id)
				}
				if want, ok := tt.sources[tenant]; ok && got.Source != want {
					t.Errorf("tenant %s: got source %q, want %q", tenant, got.Source, want)
				}
			}
		})
	}
}

func TestGUIDsNormalized(t *testing.T) {
	upper := strings.ToUpper(labelA)
	li := labelInfoXML(`id="{` + upper + `}" enabled="1" method="Standard" siteId="{` + strings.ToUpper(tenantA) + `}" removed="0"`)
	res := readDocx(t, docx(t, li, ""))
	got, ok := res.Effective()
	if !ok {
		t.Fatal("got unlabeled, want labeled")
	}
	if got.ID != labelA {
		t.Errorf("got ID %q, want %q", got.ID, labelA)
	}
	if got.TenantID != tenantA {
		t.Errorf("got tenant %q, want %q", got.TenantID, tenantA)
	}
}

func TestCustomPropsKeysCaseInsensitive(t *testing.T) {
	custom := strings.ReplaceAll(customXML(customGroup(strings.ToUpper(labelA), "{"+tenantA+"}", "True", "C")), "MSIP_Label_", "msip_label_")
	custom = strings.Replace(custom, "_Enabled", "_ENABLED", 1)
	res := readDocx(t, docx(t, "", custom))
	got, ok := res.Effective()
	if !ok {
		t.Fatal("got unlabeled, want labeled")
	}
	if got.ID != labelA {
		t.Errorf("got ID %q, want %q", got.ID, labelA)
	}
	if got.TenantID != tenantA {
		t.Errorf("got tenant %q, want %q", got.TenantID, tenantA)
	}
}

func TestCustomPropsWithoutSiteIDMatchedByGUID(t *testing.T) {
	g := customGroup(labelA, "", "true", "C")
	delete(g, "SiteId")
	res := readDocx(t, docx(t, labelInfoXML(labelAttrs(labelA, tenantA, "0", "1")), customXML(g)))
	if got, ok := res.Effective(); ok {
		t.Errorf("got label %+v, want none because LabelInfo removed that label GUID", got)
	}
}

func TestReadOOXMLErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"not zip", []byte("hello")},
		{"no content types", buildZip(t, member{packageRelsName, relsXML()})},
		{"bad labelinfo", docx(t, "<clbl:labelList", "")},
		{"wrong namespace", docx(t, `<labelList xmlns="urn:x"><label id="{`+labelA+`}"/></labelList>`, "")},
		{"bad rels", buildZip(t, member{contentTypesName, contentTypesXML}, member{packageRelsName, "<Relationships"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadOOXML(bytesReader(tt.data), int64(len(tt.data))); err == nil {
				t.Error("got nil error, want an error")
			}
		})
	}
}
