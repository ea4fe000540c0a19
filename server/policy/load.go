package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a policy file, naming the file and, when it is
// known, the field, such as `policies[2].decision`.
type Error struct {
	File    string
	Field   string
	Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.File + ": " + e.Problem
	}
	return e.File + ": " + e.Field + ": " + e.Problem
}

// Load reads and validates the policy file at path. Errors are *Error
// values that name path and the invalid field.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates the YAML policy file data. The name appears in errors.
// Unknown keys, unknown apps, activities and decisions, and invalid glob
// patterns are rejected.
func Parse(name string, data []byte) (*Set, error) {
	doc, err := decodeDocument(name, data)
	if err != nil {
		return nil, err
	}
	v := validator{file: name}
	set := v.build(doc)
	if v.err != nil {
		return nil, v.err
	}
	sum := sha256.Sum256(data)
	set.Digest = hex.EncodeToString(sum[:])
	return set, nil
}

type fileDoc struct {
	Apps     []appDoc    `yaml:"apps"`
	Policies []policyDoc `yaml:"policies"`
}

type appDoc struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	Hosts     []string `yaml:"hosts"`
	Sensitive bool     `yaml:"sensitive"`
}

type policyDoc struct {
	ID         string     `yaml:"id"`
	Name       string     `yaml:"name"`
	Apps       []string   `yaml:"apps"`
	Activities []string   `yaml:"activities"`
	Files      []string   `yaml:"files"`
	Device     *deviceDoc `yaml:"device"`
	Decision   string     `yaml:"decision"`
	Message    string     `yaml:"message"`
}

type deviceDoc struct {
	Managed *bool `yaml:"managed"`
}

// decodeDocument parses exactly one YAML document, rejects unknown keys
// with their full path and decodes it into a fileDoc.
func decodeDocument(name string, data []byte) (*fileDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Problem: "file is empty; it must define apps and policies"}
		}
		return nil, &Error{File: name, Problem: err.Error()}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Problem: "file contains more than one YAML document"}
	}
	if err := checkKeys(&root, fileShape, ""); err != nil {
		err.File = name
		return nil, err
	}
	var doc fileDoc
	if err := root.Decode(&doc); err != nil {
		return nil, &Error{File: name, Problem: err.Error()}
	}
	return &doc, nil
}
