package label

import (
	"sort"
	"strconv"
	"strings"
)

// msipPrefix starts every MIP SDK metadata key: MSIP_Label_<GUID>_<Attribute>.
const msipPrefix = "MSIP_Label_"

// MIP SDK metadata attribute names, in the order the SDK writes them.
var msipAttributes = []string{"Enabled", "SetDate", "Method", "Name", "SiteId", "ActionId", "ContentBits"}

// parseMSIPKey splits "MSIP_Label_<GUID>_<Attribute>" into the lowercase
// GUID and the attribute. The prefix and attribute compare case-insensitively
// and the attribute is returned in its canonical spelling when it is known.
func parseMSIPKey(key string) (guid, attr string, ok bool) {
	if len(key) < len(msipPrefix)+36+2 || !strings.EqualFold(key[:len(msipPrefix)], msipPrefix) {
		return "", "", false
	}
	rest := key[len(msipPrefix):]
	guid = rest[:36]
	if !isGUID(guid) || rest[36] != '_' {
		return "", "", false
	}
	attr = rest[37:]
	for _, known := range msipAttributes {
		if strings.EqualFold(attr, known) {
			attr = known
		}
	}
	return strings.ToLower(guid), attr, true
}

// msipSet gathers MSIP_Label_* key-value pairs, grouped by label GUID in the
// order the GUIDs first appear.
type msipSet struct {
	order  []string
	values map[string]map[string]string
}

func (s *msipSet) add(key, value string) bool {
	guid, attr, ok := parseMSIPKey(key)
	if !ok {
		return false
	}
	if s.values == nil {
		s.values = map[string]map[string]string{}
	}
	attrs, seen := s.values[guid]
	if !seen {
		attrs = map[string]string{}
		s.values[guid] = attrs
		s.order = append(s.order, guid)
	}
	attrs[attr] = value
	return true
}

// entries converts the gathered keys to label records. A GUID without an
// Enabled key yields a disabled record, because DLP products identify a
// label by the presence of that key.
func (s *msipSet) entries(src Source) []Entry {
	var out []Entry
	for _, guid := range s.order {
		attrs := s.values[guid]
		l := Label{
			ID:          guid,
			TenantID:    normalizeGUID(attrs["SiteId"]),
			Name:        attrs["Name"],
			Enabled:     parseBool(attrs["Enabled"]),
			Method:      attrs["Method"],
			SetDate:     parseSetDate(attrs["SetDate"]),
			ContentBits: parseContentBits(attrs["ContentBits"]),
			ActionID:    normalizeGUID(attrs["ActionId"]),
		}
		out = append(out, Entry{Label: l, Source: src})
	}
	return out
}

// guidsOfTenant returns the label GUIDs whose SiteId is the given tenant.
// Keys of those labels are replaced when that tenant's label is written.
func (s *msipSet) guidsOfTenant(tenant string) map[string]bool {
	out := map[string]bool{}
	for guid, attrs := range s.values {
		if normalizeGUID(attrs["SiteId"]) == tenant {
			out[guid] = true
		}
	}
	return out
}

// msipKeyValues returns the MIP SDK key-value pairs for a label, in the
// SDK's order. Optional values that are unset are left out.
func msipKeyValues(l Label) [][2]string {
	base := msipPrefix + l.ID + "_"
	kv := [][2]string{{base + "Enabled", strconv.FormatBool(l.Enabled)}}
	if !l.SetDate.IsZero() {
		kv = append(kv, [2]string{base + "SetDate", formatSetDate(l.SetDate)})
	}
	kv = append(kv, [2]string{base + "Method", l.Method})
	if l.Name != "" {
		kv = append(kv, [2]string{base + "Name", l.Name})
	}
	kv = append(kv, [2]string{base + "SiteId", l.TenantID})
	if l.ActionID != "" {
		kv = append(kv, [2]string{base + "ActionId", l.ActionID})
	}
	kv = append(kv, [2]string{base + "ContentBits", strconv.FormatUint(uint64(l.ContentBits), 10)})
	return kv
}

// sortedKeys returns the keys of a set in order, for deterministic output.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
