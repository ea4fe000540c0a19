package installer_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const (
	extensionID      = "ghbnpamloifnaljdabnaemelhpdehoae"
	bridgePort       = 47801
	defaultServerURL = "https://127.0.0.1:8443"
	defaultUpdateURL = "https://127.0.0.1:8443/extension/update.xml"
)

// templateValues are the values that build-packages.sh puts in for each
// placeholder when no variable is set.
var templateValues = map[string]string{
	"@PARAPET_SERVER_URL@":             defaultServerURL,
	"@PARAPET_EXTENSION_UPDATE_URL@":   defaultUpdateURL,
	"@PARAPET_VERSION@":                "0.1.0",
	"@PARAPET_MACOS_CODE_REQUIREMENT@": `identifier "parapet-agent"`,
	"@PARAPET_SERVER_CA_PATH@":         "",
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return string(data)
}

// renderFile reads a template under installer/ and fills in the default
// values, as build-packages.sh does. caPath is the value of
// @PARAPET_SERVER_CA_PATH@.
func renderFile(t *testing.T, path, caPath string) string {
	t.Helper()
	text := readFile(t, path)
	for placeholder, value := range templateValues {
		if placeholder == "@PARAPET_SERVER_CA_PATH@" {
			value = caPath
		}
		text = strings.ReplaceAll(text, placeholder, value)
	}
	if i := strings.Index(text, "@PARAPET_"); i >= 0 {
		t.Fatalf("%s: unknown placeholder left after rendering at byte %d: %.40q", path, i, text[i:])
	}
	return text
}

// decodePlist decodes an XML property list into map[string]any, []any,
// string, int64, float64 and bool values.
func decodePlist(text string) (any, error) {
	dec := xml.NewDecoder(strings.NewReader(text))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("no <plist> element: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local != "plist" {
			return nil, fmt.Errorf("root element is <%s>, expected <plist>", start.Name.Local)
		}
		if v := attr(start, "version"); v != "1.0" {
			return nil, fmt.Errorf("plist version is %q, expected 1.0", v)
		}
		first, err := nextStart(dec)
		if err != nil {
			return nil, err
		}
		value, err := decodePlistValue(dec, first)
		if err != nil {
			return nil, err
		}
		// The rest of the document must still be well-formed.
		for {
			if _, err := dec.Token(); err == io.EOF {
				return value, nil
			} else if err != nil {
				return nil, err
			}
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// nextStart returns the next start element, skipping character data and
// comments, or an error at an end element.
func nextStart(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok, nil
		case xml.EndElement:
			return xml.StartElement{}, errEnd{tok.Name.Local}
		case xml.CharData:
			if strings.TrimSpace(string(tok)) != "" {
				return xml.StartElement{}, fmt.Errorf("unexpected text %q", string(tok))
			}
		}
	}
}

type errEnd struct{ name string }

func (e errEnd) Error() string { return "unexpected </" + e.name + ">" }

func decodePlistValue(dec *xml.Decoder, start xml.StartElement) (any, error) {
	switch start.Name.Local {
	case "dict":
		dict := map[string]any{}
		for {
			keyEl, err := nextStart(dec)
			if end, ok := err.(errEnd); ok && end.name == "dict" {
				return dict, nil
			}
			if err != nil {
				return nil, err
			}
			if keyEl.Name.Local != "key" {
				return nil, fmt.Errorf("<dict> has <%s> where a <key> belongs", keyEl.Name.Local)
			}
			var key string
			if err := dec.DecodeElement(&key, &keyEl); err != nil {
				return nil, err
			}
			if _, dup := dict[key]; dup {
				return nil, fmt.Errorf("<dict> has key %q twice", key)
			}
			valueEl, err := nextStart(dec)
			if err != nil {
				return nil, fmt.Errorf("key %q has no value: %w", key, err)
			}
			value, err := decodePlistValue(dec, valueEl)
			if err != nil {
				return nil, fmt.Errorf("key %q: %w", key, err)
			}
			dict[key] = value
		}
	case "array":
		list := []any{}
		for {
			el, err := nextStart(dec)
			if end, ok := err.(errEnd); ok && end.name == "array" {
				return list, nil
			}
			if err != nil {
				return nil, err
			}
			value, err := decodePlistValue(dec, el)
			if err != nil {
				return nil, err
			}
			list = append(list, value)
		}
	case "string":
		var s string
		err := dec.DecodeElement(&s, &start)
		return s, err
	case "integer":
		var s string
		if err := dec.DecodeElement(&s, &start); err != nil {
			return nil, err
		}
		return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	case "real":
		var s string
		if err := dec.DecodeElement(&s, &start); err != nil {
			return nil, err
		}
		return strconv.ParseFloat(strings.TrimSpace(s), 64)
	case "true", "false":
		if err := dec.Skip(); err != nil {
			return nil, err
		}
		return start.Name.Local == "true", nil
	}
	return nil, fmt.Errorf("unsupported plist element <%s>", start.Name.Local)
}

// xmlNode is a generic XML element tree for the WiX source.
type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xmlNode  `xml:",any"`
}

func (n xmlNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// find returns every element below n, n included, with the namespace and
// local name given.
func (n xmlNode) find(space, local string) []xmlNode {
	var found []xmlNode
	if n.XMLName.Space == space && n.XMLName.Local == local {
		found = append(found, n)
	}
	for _, child := range n.Children {
		found = append(found, child.find(space, local)...)
	}
	return found
}

// unitFile maps section name to key to the values, in file order, of a
// systemd unit file.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, text string) unitFile {
	t.Helper()
	unit := unitFile{}
	section := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			if unit[section] == nil {
				unit[section] = map[string][]string{}
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("unit line %d is not KEY=VALUE in a section: %q", i+1, line)
		}
		unit[section][key] = append(unit[section][key], value)
	}
	return unit
}

// last returns the value that systemd uses for a single-valued key.
func (u unitFile) last(section, key string) string {
	values := u[section][key]
	if len(values) == 0 {
		return ""
	}
	return values[len(values)-1]
}
