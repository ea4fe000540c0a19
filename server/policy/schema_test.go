package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// schemaValidator checks a decoded YAML value against the subset of JSON
// Schema 2020-12 that schema.json uses: type, enum, properties, required,
// additionalProperties, minProperties, items, minItems, maxItems,
// minLength, maxLength, pattern, minimum, anyOf and local $ref.
type schemaValidator struct {
	root map[string]any
}

func loadSchema(t *testing.T) *schemaValidator {
	t.Helper()
	data, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("schema.json is not valid JSON: %v", err)
	}
	return &schemaValidator{root: root}
}

// validate returns the first problem, naming its path, or "" for a valid
// value.
func (v *schemaValidator) validate(schema map[string]any, value any, path string) string {
	if ref, ok := schema["$ref"].(string); ok {
		name, found := strings.CutPrefix(ref, "#/$defs/")
		def, ok := v.root["$defs"].(map[string]any)[name].(map[string]any)
		if !found || !ok {
			return path + ": unresolved $ref " + ref
		}
		return v.validate(def, value, path)
	}
	if types, ok := schema["type"]; ok && !matchesType(types, value) {
		return fmt.Sprintf("%s: got %T, want type %v", path, value, types)
	}
	if enum, ok := schema["enum"].([]any); ok && !inEnum(enum, value) {
		return fmt.Sprintf("%s: got %v, want one of %v", path, value, enum)
	}
	if anyOf, ok := schema["anyOf"].([]any); ok {
		var problems []string
		for _, alt := range anyOf {
			problem := v.validate(alt.(map[string]any), value, path)
			if problem == "" {
				problems = nil
				break
			}
			problems = append(problems, problem)
		}
		if problems != nil {
			return strings.Join(problems, " or ")
		}
	}
	switch x := value.(type) {
	case map[string]any:
		return v.validateObject(schema, x, path)
	case []any:
		if n, ok := schema["minItems"].(float64); ok && len(x) < int(n) {
			return fmt.Sprintf("%s: got %d items, want at least %v", path, len(x), n)
		}
		if n, ok := schema["maxItems"].(float64); ok && len(x) > int(n) {
			return fmt.Sprintf("%s: got %d items, want at most %v", path, len(x), n)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, item := range x {
				if problem := v.validate(items, item, fmt.Sprintf("%s[%d]", path, i)); problem != "" {
					return problem
				}
			}
		}
	case string:
		if n, ok := schema["minLength"].(float64); ok && len(x) < int(n) {
			return fmt.Sprintf("%s: got %d characters, want at least %v", path, len(x), n)
		}
		if n, ok := schema["maxLength"].(float64); ok && len(x) > int(n) {
			return fmt.Sprintf("%s: got %d characters, want at most %v", path, len(x), n)
		}
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			return fmt.Sprintf("%s: got %q, want it to match %s", path, x, p)
		}
	case int:
		if n, ok := schema["minimum"].(float64); ok && float64(x) < n {
			return fmt.Sprintf("%s: got %d, want at least %v", path, x, n)
		}
	}
	return ""
}

func (v *schemaValidator) validateObject(schema map[string]any, obj map[string]any, path string) string {
	props, _ := schema["properties"].(map[string]any)
	for _, r := range asList(schema["required"]) {
		if _, ok := obj[r.(string)]; !ok {
			return fmt.Sprintf("%s: missing required %s", path, r)
		}
	}
	if n, ok := schema["minProperties"].(float64); ok && len(obj) < int(n) {
		return fmt.Sprintf("%s: got %d properties, want at least %v", path, len(obj), n)
	}
	for key, value := range obj {
		sub := joinPath(path, key)
		if p, ok := props[key].(map[string]any); ok {
			if problem := v.validate(p, value, sub); problem != "" {
				return problem
			}
			continue
		}
		switch extra := schema["additionalProperties"].(type) {
		case bool:
			if !extra {
				return sub + ": unknown property"
			}
		case map[string]any:
			if problem := v.validate(extra, value, sub); problem != "" {
				return problem
			}
		}
	}
	return ""
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

func matchesType(types, value any) bool {
	list, ok := types.([]any)
	if !ok {
		list = []any{types}
	}
	for _, t := range list {
		switch x := value.(type) {
		case string:
			ok = t == "string"
		case bool:
			ok = t == "boolean"
		case int:
			ok = t == "integer" || t == "number"
		case float64:
			ok = t == "number" || (t == "integer" && x == float64(int64(x)))
		case []any:
			ok = t == "array"
		case map[string]any:
			ok = t == "object"
		case nil:
			ok = t == "null"
		}
		if ok {
			return true
		}
	}
	return false
}

func inEnum(enum []any, value any) bool {
	for _, e := range enum {
		if e == value {
			return true
		}
	}
	return false
}

func (v *schemaValidator) check(t *testing.T, name string, data []byte) string {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v.validate(v.root, doc, "")
}

// docExamples returns the yaml code blocks of docs/policies.md that are
// whole policy files: those not marked as fragments by a first line
// comment "# fragment".
func docExamples(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, part := range strings.Split(string(data), "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if !strings.HasPrefix(block, "# fragment") && !strings.HasPrefix(block, "cases:") {
			blocks = append(blocks, block)
		}
	}
	if len(blocks) < 3 {
		t.Fatalf("got %d whole-file examples in docs/policies.md, want at least 3", len(blocks))
	}
	return blocks
}

func TestSchemaAcceptsExamples(t *testing.T) {
	v := loadSchema(t)
	files := map[string][]byte{}
	for _, name := range []string{"testdata/policies.yaml", "../../test/testdata/policies.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	for i, block := range docExamples(t) {
		files[fmt.Sprintf("docs example %d", i+1)] = []byte(block)
	}
	for name, data := range files {
		if problem := v.check(t, name, data); problem != "" {
			t.Errorf("%s: schema rejects it: %s", name, problem)
		}
		if _, err := Parse(name, data); err != nil && !strings.Contains(string(data), "${APP_HOST}") {
			t.Errorf("%s: loader rejects it: %v", name, err)
		}
	}
}

func TestSchemaRejects(t *testing.T) {
	v := loadSchema(t)
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown top key", "polices: []\n", "polices: unknown property"},
		{"app without hosts", "apps:\n  - {id: a}\n", "apps[0]: missing required hosts"},
		{"decision unknown", "policies:\n  - {id: p, decision: deny}\n", "policies[0].decision: got deny"},
		{"condition kind", "policies:\n  - {id: p, decision: allow, when: {weather: sunny}}\n", "policies[0].when.weather: unknown property"},
		{"nested field", "policies:\n  - {id: p, decision: allow, when: {all: [{file: {size: {min: -1}}}]}}\n", "policies[0].when.all[0].file.size.min: got -1"},
		{"label form", "policies:\n  - {id: p, decision: allow, when: {file: {label: {present: yes-please}}}}\n", "policies[0].when.file.label"},
		{"bad id", "apps:\n  - {id: a b, hosts: [x]}\n", "apps[0].id: got \"a b\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problem := v.check(t, "test.yaml", []byte(tt.yaml))
			if !strings.Contains(problem, tt.want) {
				t.Errorf("got problem %q, want it to contain %q", problem, tt.want)
			}
		})
	}
}

func TestDocsCasesPass(t *testing.T) {
	set, err := Parse("docs policies example", []byte(docExamples(t)[1]))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, _ := strings.Cut(string(data), "```yaml\ncases:")
	block, _, _ := strings.Cut(after, "```")
	cases, err := ParseCases("docs cases example", []byte("cases:"+block))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.RunCases(cases) {
		if !r.Passed {
			t.Errorf("docs case failed:\n%s", r.Failure)
		}
	}
}
