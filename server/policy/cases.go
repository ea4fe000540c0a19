package policy

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"parapet/protocol"
)

// Case is one policy test: an action and the outcome expected for it. Case
// files hold `cases: [...]` and are named *_test.yaml, so LoadDir skips
// them.
type Case struct {
	Name   string     `yaml:"name"`
	Input  CaseInput  `yaml:"input"`
	Expect CaseExpect `yaml:"expect"`
}

// CaseInput is the YAML form of an Input.
type CaseInput struct {
	Activity  string     `yaml:"activity"`
	AppHost   string     `yaml:"app_host"`
	PageURL   string     `yaml:"page_url"`
	TargetURL string     `yaml:"target_url"`
	File      *CaseFile  `yaml:"file"`
	User      User       `yaml:"user"`
	Device    CaseDevice `yaml:"device"`
	IP        string     `yaml:"ip"`
	// Time is in RFC 3339 form, such as 2026-12-07T10:00:00Z. Empty means
	// now.
	Time string `yaml:"time"`
}

// CaseFile is the file of a CaseInput.
type CaseFile struct {
	Name string `yaml:"name"`
	// Size is in bytes, and nil means unknown.
	Size      *int64   `yaml:"size"`
	MIMEType  string   `yaml:"mime_type"`
	Label     string   `yaml:"label"`
	Detectors []string `yaml:"detectors"`
}

// CaseDevice is the device of a CaseInput.
type CaseDevice struct {
	ID       string            `yaml:"id"`
	Enrolled bool              `yaml:"enrolled"`
	Managed  bool              `yaml:"managed"`
	Tags     []string          `yaml:"tags"`
	Posture  map[string]string `yaml:"posture"`
}

// CaseExpect is the expected outcome. Policies, when present, must equal
// the matching enforced policy ids in any order. `policies: []` expects
// none, and leaving it out skips the check. WouldHave works the same way
// for test-mode policies.
type CaseExpect struct {
	Decision  protocol.Decision `yaml:"decision"`
	Policies  *[]string         `yaml:"policies"`
	WouldHave *[]string         `yaml:"would_have"`
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name   string
	Passed bool
	// Failure lists what differs, with the trace of the policies involved,
	// when the case failed.
	Failure string
	Got     Result
}

// LoadCases reads a case file.
func LoadCases(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading case file: %w", err)
	}
	return ParseCases(path, data)
}

// ParseCases parses a case file. Errors are *Error values that name the
// file as name.
func ParseCases(name string, data []byte) ([]Case, error) {
	var doc struct {
		Cases []Case `yaml:"cases"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{File: name, Problem: err.Error()}
	}
	for i, c := range doc.Cases {
		field := fmt.Sprintf("cases[%d]", i)
		if c.Name == "" {
			return nil, &Error{File: name, Field: field + ".name", Problem: "missing"}
		}
		if !protocol.ValidDecision(c.Expect.Decision) {
			return nil, &Error{File: name, Field: field + ".expect.decision", Problem: fmt.Sprintf("unknown or missing decision %q", c.Expect.Decision)}
		}
		if _, err := c.Input.toInput(); err != nil {
			return nil, &Error{File: name, Field: field + ".input", Problem: err.Error()}
		}
	}
	return doc.Cases, nil
}

func (c *CaseInput) toInput() (*Input, error) {
	req := &protocol.ActionRequest{Activity: protocol.Activity(c.Activity), AppHost: c.AppHost,
		PageURL: c.PageURL, TargetURL: c.TargetURL, TabID: -1}
	if req.PageURL == "" {
		req.PageURL = "https://" + c.AppHost + "/"
	}
	in := &Input{Request: req, User: c.User,
		Device: DeviceFacts{ID: c.Device.ID, Enrolled: c.Device.Enrolled, Managed: c.Device.Managed, Tags: c.Device.Tags, Posture: c.Device.Posture}}
	if c.File != nil {
		req.File = &protocol.FileInfo{Name: c.File.Name, Size: -1, MIMEType: c.File.MIMEType}
		if c.File.Size != nil {
			req.File.Size = *c.File.Size
		}
		in.File = FileFacts{LabelID: c.File.Label, Detectors: c.File.Detectors}
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if c.IP != "" {
		ip, err := netip.ParseAddr(c.IP)
		if err != nil {
			return nil, fmt.Errorf("ip: invalid address %q", c.IP)
		}
		in.SourceIP = ip
	}
	if c.Time != "" {
		t, err := time.Parse(time.RFC3339, c.Time)
		if err != nil {
			return nil, fmt.Errorf("time: invalid RFC 3339 time %q", c.Time)
		}
		in.Time = t
	}
	return in, nil
}

// RunCases decides every case with Explain and compares the outcome.
func (s *Set) RunCases(cases []Case) []CaseResult {
	results := make([]CaseResult, 0, len(cases))
	for _, c := range cases {
		results = append(results, s.runCase(c))
	}
	return results
}

func (s *Set) runCase(c Case) CaseResult {
	in, err := c.Input.toInput()
	if err != nil {
		return CaseResult{Name: c.Name, Failure: "invalid input: " + err.Error()}
	}
	// A case names a label by id only; it stands for the set's label of
	// that id, with its tenant.
	if in.File.LabelID != "" && in.File.LabelTenant == "" {
		for i := range s.Labels {
			if strings.EqualFold(s.Labels[i].ID, in.File.LabelID) {
				in.File.LabelTenant = s.Labels[i].Tenant
			}
		}
	}
	got := s.Explain(in)

	var problems []string
	var traced []string
	if got.Decision != c.Expect.Decision {
		problems = append(problems, fmt.Sprintf("decision: got %s, want %s", got.Decision, c.Expect.Decision))
	}
	if c.Expect.Policies != nil && !sameIDs(got.PolicyIDs, *c.Expect.Policies) {
		problems = append(problems, fmt.Sprintf("policies: got %v, want %v", orEmpty(got.PolicyIDs), *c.Expect.Policies))
		traced = append(traced, *c.Expect.Policies...)
	}
	var would []string
	for _, w := range got.WouldHave {
		would = append(would, w.Policy)
	}
	if c.Expect.WouldHave != nil && !sameIDs(would, *c.Expect.WouldHave) {
		problems = append(problems, fmt.Sprintf("would_have: got %v, want %v", orEmpty(would), *c.Expect.WouldHave))
		traced = append(traced, *c.Expect.WouldHave...)
	}
	if len(problems) == 0 {
		return CaseResult{Name: c.Name, Passed: true, Got: got}
	}

	if got.Policy != "" {
		traced = append([]string{got.Policy}, traced...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "case %q failed:\n", c.Name)
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	fmt.Fprintf(&b, "  reason: %s\n", got.Reason)
	seen := map[string]bool{}
	for _, id := range traced {
		if seen[id] {
			continue
		}
		seen[id] = true
		writeTrace(&b, got.Trace, id)
	}
	return CaseResult{Name: c.Name, Failure: b.String(), Got: got}
}

func writeTrace(b *strings.Builder, trace []TraceEntry, id string) {
	for _, e := range trace {
		if e.Policy != id {
			continue
		}
		outcome := "did not match"
		if e.Matched {
			outcome = "matched"
		}
		path := e.Path
		if path == "" {
			path = "(all conditions)"
		}
		fmt.Fprintf(b, "  trace %s (%s): %s at %s: %s\n", id, e.State, outcome, path, e.Reason)
		return
	}
	fmt.Fprintf(b, "  trace %s: not evaluated; it is disabled, not in the set, or the app is not protected\n", id)
}

func sameIDs(got, want []string) bool {
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func orEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}
