package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is a problem in a policy file, naming the file and, when they are
// known, the field, such as `policies[2].decision`, and the line.
type Error struct {
	File    string
	Field   string
	Line    int
	Problem string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// File is one policy file's name and contents.
type File struct {
	Name string
	Data []byte
}

// TestFileSuffix ends the names of policy test case files, which LoadDir
// skips and LoadCases reads.
const TestFileSuffix = "_test.yaml"

// Load reads a policy file, or with path naming a folder, every policy file
// in it (see LoadDir).
func Load(path string) (*Set, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading policies: %w", err)
	}
	if info.IsDir() {
		return LoadDir(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy file: %w", err)
	}
	return Parse(path, data)
}

// LoadDir reads every *.yaml and *.yml file directly in dir, except test
// case files ending in TestFileSuffix, and merges them into one set. Files
// are merged in name order, which is also the order of policies with the
// same priority. An id defined in two files is rejected with both names.
func LoadDir(dir string) (*Set, error) {
	names, err := PolicyFiles(dir)
	if err != nil {
		return nil, err
	}
	files := make([]File, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading policy file: %w", err)
		}
		files = append(files, File{Name: name, Data: data})
	}
	return ParseFiles(files)
}

// PolicyFiles returns the paths of the policy files LoadDir reads from dir,
// sorted.
func PolicyFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading policy folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && IsPolicyFile(e.Name()) {
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("reading policy folder %s: no *.yaml or *.yml files", dir)
	}
	return names, nil
}

// IsPolicyFile reports whether LoadDir reads a file with this base name.
func IsPolicyFile(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, TestFileSuffix) {
		return false
	}
	ext := filepath.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// Parse validates one policy file; name appears in errors.
func Parse(name string, data []byte) (*Set, error) {
	return ParseFiles([]File{{Name: name, Data: data}})
}

// ParseFiles validates and merges policy files in the order given. Unknown
// keys, unknown references, activities and decisions, duplicate ids and
// invalid patterns are rejected with an *Error naming the file and field.
func ParseFiles(files []File) (*Set, error) {
	var merged sources
	digest := sha256.New()
	for _, f := range files {
		doc, err := decodeDocument(f.Name, f.Data)
		if err != nil {
			return nil, err
		}
		merged.add(f.Name, doc)
		fmt.Fprintf(digest, "%s\x00%d\x00", filepath.Base(f.Name), len(f.Data))
		digest.Write(f.Data)
	}
	b := builder{}
	set := b.build(&merged)
	if b.err != nil {
		return nil, b.err
	}
	set.Digest = hex.EncodeToString(digest.Sum(nil))
	for _, f := range files {
		set.Files = append(set.Files, f.Name)
	}
	slices.Sort(set.Files)
	return set, nil
}

// decodeDocument parses exactly one YAML document, rejects unknown keys
// with their full path and decodes it into a fileDoc.
func decodeDocument(name string, data []byte) (*fileDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Problem: "file is empty; it must define apps or policies"}
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

// origin is where an object was defined: its file and the field path of
// the object in that file, such as `policies[3]`.
type origin struct {
	file  string
	field string
}

// sources are the objects of all files, each with its origin.
type sources struct {
	doc      fileDoc
	apps     []origin
	ipRanges []origin
	groups   []origin
	labels   []origin
	profiles []origin
	policies []origin
}

func (s *sources) add(file string, doc *fileDoc) {
	s.doc.Apps = append(s.doc.Apps, doc.Apps...)
	s.apps = appendOrigins(s.apps, file, "apps", len(doc.Apps))
	s.doc.IPRanges = append(s.doc.IPRanges, doc.IPRanges...)
	s.ipRanges = appendOrigins(s.ipRanges, file, "ip_ranges", len(doc.IPRanges))
	s.doc.Groups = append(s.doc.Groups, doc.Groups...)
	s.groups = appendOrigins(s.groups, file, "groups", len(doc.Groups))
	s.doc.Labels = append(s.doc.Labels, doc.Labels...)
	s.labels = appendOrigins(s.labels, file, "labels", len(doc.Labels))
	s.doc.PostureProfiles = append(s.doc.PostureProfiles, doc.PostureProfiles...)
	s.profiles = appendOrigins(s.profiles, file, "posture_profiles", len(doc.PostureProfiles))
	s.doc.Policies = append(s.doc.Policies, doc.Policies...)
	s.policies = appendOrigins(s.policies, file, "policies", len(doc.Policies))
}

func appendOrigins(list []origin, file, key string, n int) []origin {
	for i := range n {
		list = append(list, origin{file: file, field: fmt.Sprintf("%s[%d]", key, i)})
	}
	return list
}
