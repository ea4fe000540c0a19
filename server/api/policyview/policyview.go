// Package policyview is the admin API's and the CLI's only contact with
// server/policy: it parses bundles, reads the source of a loaded set, diffs
// two bundles and evaluates hypothetical actions. Keeping this in one file
// means a change of the policy engine's API is adapted here.
package policyview

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"parapet/protocol"
	"parapet/server/policy"
)

// Set is the policy engine's validated set.
type Set = policy.Set

// A bundle is the YAML body of PUT /api/v1/policy: one policy file, or the
// files of a folder joined as a YAML stream. Each document of a stream
// starts with a "---" line and may name its file with a first line
// "# file: NAME".
const (
	docSeparator = "---"
	fileComment  = "# file: "
	// BundleName names a bundle of one document in errors.
	BundleName = "bundle.yaml"
)

// emptyBundle is the policy set of a server before the first apply.
const emptyBundle = "apps: []\npolicies: []\n"

// Parse validates a bundle. A bundle of one document is parsed as the
// file name; the documents of a stream are parsed as the files they name.
func Parse(name string, data []byte) (*Set, error) {
	return policy.ParseFiles(splitBundle(name, data))
}

func splitBundle(name string, data []byte) []policy.File {
	lines := strings.SplitAfter(string(data), "\n")
	var (
		files   []policy.File
		current strings.Builder
	)
	flush := func() {
		doc := current.String()
		current.Reset()
		if strings.TrimSpace(doc) == "" {
			return
		}
		fileName := fmt.Sprintf("%s#%d", name, len(files)+1)
		if first, _, _ := strings.Cut(doc, "\n"); strings.HasPrefix(first, fileComment) {
			fileName = strings.TrimSpace(strings.TrimPrefix(first, fileComment))
		}
		files = append(files, policy.File{Name: fileName, Data: []byte(doc)})
	}
	separated := false
	for _, line := range lines {
		if strings.TrimRight(line, " \t\r\n") == docSeparator {
			separated = true
			flush()
			continue
		}
		current.WriteString(line)
	}
	if !separated {
		return []policy.File{{Name: name, Data: data}}
	}
	flush()
	if len(files) == 0 {
		return []policy.File{{Name: name, Data: nil}}
	}
	return files
}

// joinFiles returns the bundle of files.
func joinFiles(files []policy.File) []byte {
	if len(files) == 1 {
		return files[0].Data
	}
	var b bytes.Buffer
	for _, f := range files {
		b.WriteString(docSeparator + "\n" + fileComment + filepath.Base(f.Name) + "\n")
		b.Write(f.Data)
		if !bytes.HasSuffix(f.Data, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// Load reads a policy file, or every policy file of a folder in the order
// that policy.LoadDir uses, and returns the set and its bundle.
func Load(path string) (*Set, []byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading policies: %w", err)
	}
	names := []string{path}
	if info.IsDir() {
		if names, err = policy.PolicyFiles(path); err != nil {
			return nil, nil, err
		}
	}
	files, err := readFiles(names)
	if err != nil {
		return nil, nil, err
	}
	set, err := policy.ParseFiles(files)
	if err != nil {
		return nil, nil, err
	}
	return set, joinFiles(files), nil
}

func readFiles(names []string) ([]policy.File, error) {
	files := make([]policy.File, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading policy file: %w", err)
		}
		files = append(files, policy.File{Name: name, Data: data})
	}
	return files, nil
}

// ErrSourceChanged is returned by Source when the files of a set changed
// after it was loaded.
var ErrSourceChanged = errors.New("the policy files changed since the server loaded them; reload the server to apply them")

// Source returns the bundle of a set loaded from files, or of Empty. It
// rereads the files and returns ErrSourceChanged unless they still have the
// set's digest.
func Source(set *Set) ([]byte, error) {
	if set.Digest == Empty().Digest {
		return []byte(emptyBundle), nil
	}
	if len(set.Files) == 0 {
		return nil, errors.New("reading policy source: the set names no files")
	}
	files, err := readFiles(set.Files)
	if err != nil {
		return nil, err
	}
	again, err := policy.ParseFiles(files)
	if err != nil || again.Digest != set.Digest {
		return nil, ErrSourceChanged
	}
	return joinFiles(files), nil
}

// Empty returns a set without apps and policies, for a server that has no
// policy yet.
func Empty() *Set {
	set, err := policy.Parse("empty.yaml", []byte(emptyBundle))
	if err != nil {
		panic("parsing the empty policy set: " + err.Error())
	}
	return set
}

// ErrorField returns the field that a validation error names, such as
// "policies[2].decision", or "" when it names none.
func ErrorField(err error) string {
	var perr *policy.Error
	if errors.As(err, &perr) {
		return perr.Field
	}
	return ""
}

// Counts returns the number of apps and of policies in set.
func Counts(set *Set) (apps, policies int) { return len(set.Apps), len(set.Policies) }

// Documents returns the documents of a bundle as JSON-ready values.
func Documents(bundle []byte) ([]any, error) {
	docs := []any{}
	for _, f := range splitBundle(BundleName, bundle) {
		var doc any
		if err := yaml.Unmarshal(f.Data, &doc); err != nil {
			return nil, fmt.Errorf("decoding policy document %s: %w", f.Name, err)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// Diff lists, per top-level key of the policy format such as "apps" or
// "policies", the ids that a change adds, removes or changes. Keys without
// changes are left out, and a key whose value is not a list of objects
// with an id is compared whole under the id "*".
type Diff map[string]Changes

// Changes are the ids of one kind of object in a Diff.
type Changes struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

// Empty reports whether the diff changes nothing.
func (d Diff) Empty() bool { return len(d) == 0 }

// Compare returns the diff from the old bundle to the new one.
func Compare(old, new []byte) (Diff, error) {
	before, err := index(old)
	if err != nil {
		return nil, err
	}
	after, err := index(new)
	if err != nil {
		return nil, err
	}
	diff := Diff{}
	kinds := map[string]bool{}
	for kind := range before {
		kinds[kind] = true
	}
	for kind := range after {
		kinds[kind] = true
	}
	for kind := range kinds {
		c := Changes{Added: []string{}, Removed: []string{}, Changed: []string{}}
		for id, item := range after[kind] {
			prev, ok := before[kind][id]
			switch {
			case !ok:
				c.Added = append(c.Added, id)
			case !reflect.DeepEqual(prev, item):
				c.Changed = append(c.Changed, id)
			}
		}
		for id := range before[kind] {
			if _, ok := after[kind][id]; !ok {
				c.Removed = append(c.Removed, id)
			}
		}
		if len(c.Added)+len(c.Removed)+len(c.Changed) == 0 {
			continue
		}
		slices.Sort(c.Added)
		slices.Sort(c.Removed)
		slices.Sort(c.Changed)
		diff[kind] = c
	}
	return diff, nil
}

// index maps each top-level key of a bundle's documents to its objects by
// id.
func index(bundle []byte) (map[string]map[string]any, error) {
	docs, err := Documents(bundle)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	for _, doc := range docs {
		top, ok := doc.(map[string]any)
		if !ok {
			continue
		}
		for kind, value := range top {
			if out[kind] == nil {
				out[kind] = map[string]any{}
			}
			items, ok := value.([]any)
			if !ok {
				out[kind]["*"] = value
				continue
			}
			for i, item := range items {
				id := fmt.Sprintf("[%d]", i)
				if m, ok := item.(map[string]any); ok {
					if s, ok := m["id"].(string); ok {
						id = s
					}
				}
				out[kind][id] = item
			}
		}
	}
	return out, nil
}

// Facts are the facts about the user, device and network of a
// hypothetical action.
type Facts struct {
	DeviceID string `json:"device_id,omitempty"`
	User     string `json:"user,omitempty"`
	Managed  bool   `json:"managed"`
	// Enrolled defaults to true, because every action the server decides
	// comes from an enrolled device.
	Enrolled *bool             `json:"enrolled,omitempty"`
	Groups   []string          `json:"groups,omitempty"`
	Tags     []string          `json:"tags,omitempty"`
	Posture  map[string]string `json:"posture,omitempty"`
	SourceIP string            `json:"source_ip,omitempty"`
	// Time is when the action happens; zero means now.
	Time time.Time `json:"time,omitzero"`
}

// Result is the outcome of Decide.
type Result struct {
	Decision  string   `json:"decision"`
	Message   string   `json:"message,omitempty"`
	Reason    string   `json:"reason"`
	PolicyIDs []string `json:"policy_ids"`
	App       string   `json:"app,omitempty"`
	// Explain is the engine's explanation with one trace entry per
	// evaluated policy.
	Explain policy.Explain `json:"explain"`
}

// ErrInvalidSourceIP is returned by Decide for a source_ip that is not an
// IP address.
var ErrInvalidSourceIP = errors.New("source_ip: not an IP address")

// Decide evaluates req with facts against set and explains the decision.
func Decide(set *Set, req *protocol.ActionRequest, facts Facts) (Result, error) {
	in := &policy.Input{
		Request: req,
		User:    policy.User{ID: facts.User, Email: facts.User, Groups: facts.Groups},
		Device: policy.DeviceFacts{ID: facts.DeviceID, Enrolled: facts.Enrolled == nil || *facts.Enrolled,
			Managed: facts.Managed, Tags: facts.Tags, Posture: facts.Posture},
		Time: facts.Time,
	}
	if facts.SourceIP != "" {
		ip, err := netip.ParseAddr(facts.SourceIP)
		if err != nil {
			return Result{}, ErrInvalidSourceIP
		}
		in.SourceIP = ip
	}
	r := set.Explain(in)
	ids := r.PolicyIDs
	if ids == nil {
		ids = []string{}
	}
	return Result{Decision: string(r.Decision), Message: r.Message, Reason: r.Reason,
		PolicyIDs: ids, App: r.App, Explain: r.Explain()}, nil
}

// TestReport is the outcome of RunTests.
type TestReport struct {
	Total, Failed int
	// Text lists each case's result, one per line, with the failure
	// details of a failed case.
	Text string
}

// RunTests runs the policy test cases of the case file casesPath against
// the policies at policiesPath, a file or folder.
func RunTests(casesPath, policiesPath string) (TestReport, error) {
	set, _, err := Load(policiesPath)
	if err != nil {
		return TestReport{}, err
	}
	cases, err := policy.LoadCases(casesPath)
	if err != nil {
		return TestReport{}, err
	}
	var b strings.Builder
	report := TestReport{Total: len(cases)}
	for _, r := range set.RunCases(cases) {
		if r.Passed {
			fmt.Fprintf(&b, "ok   %s\n", r.Name)
			continue
		}
		report.Failed++
		fmt.Fprintf(&b, "FAIL %s\n", r.Name)
		for _, line := range strings.Split(strings.TrimRight(r.Failure, "\n"), "\n") {
			fmt.Fprintf(&b, "     %s\n", line)
		}
	}
	report.Text = b.String()
	return report, nil
}
