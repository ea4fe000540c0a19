package policy

import (
	"strings"
	"testing"
)

const sampleCases = `cases:
  - name: docx blocked on unmanaged device
    input:
      activity: download
      app_host: 127.0.0.1:8080
      file: {name: Q3.docx, size: 2048}
      user: {email: ana@corp.test}
      device: {managed: false}
      ip: 10.1.2.3
      time: 2026-12-07T10:00:00Z
    expect:
      decision: block
      policies: [monitor-filestore, block-docx-downloads]
  - name: pdf only monitored
    input: {activity: download, app_host: localhost, file: {name: a.pdf}}
    expect: {decision: monitor, policies: [monitor-filestore]}
  - name: outside protected apps
    input: {activity: copy, app_host: intranet.corp.test}
    expect: {decision: allow, policies: []}
`

func TestRunCasesPass(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := ParseCases("cases_test.yaml", []byte(sampleCases))
	if err != nil {
		t.Fatalf("ParseCases: %v", err)
	}
	results := set.RunCases(cases)
	if len(results) != 3 {
		t.Fatalf("got %d results, want 3", len(results))
	}
	for _, r := range results {
		if !r.Passed {
			t.Errorf("case %q failed:\n%s", r.Name, r.Failure)
		}
	}
}

func TestRunCasesFailure(t *testing.T) {
	set, err := Load("testdata/policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := ParseCases("cases_test.yaml", []byte(`cases:
  - name: managed docx
    input: {activity: download, app_host: localhost, file: {name: a.docx}, device: {managed: true}}
    expect: {decision: block, policies: [block-docx-downloads]}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := set.RunCases(cases)[0]
	if r.Passed {
		t.Fatal("got a pass, want a failure because the device is managed")
	}
	for _, want := range []string{
		`case "managed docx" failed:`,
		"decision: got monitor, want block",
		"policies: got [monitor-filestore], want [block-docx-downloads]",
		"trace monitor-filestore (enabled): matched at apps: app is filestore",
		"trace block-docx-downloads (enabled): did not match at device.managed: device is managed",
	} {
		if !strings.Contains(r.Failure, want) {
			t.Errorf("failure does not contain %q:\n%s", want, r.Failure)
		}
	}
}

func TestParseCasesErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown key", "cases:\n  - {name: a, input: {activty: copy}, expect: {decision: allow}}\n", "field activty not found"},
		{"name missing", "cases:\n  - {input: {activity: copy, app_host: x}, expect: {decision: allow}}\n", "cases[0].name: missing"},
		{"decision unknown", "cases:\n  - {name: a, input: {activity: copy, app_host: x}, expect: {decision: deny}}\n", `cases[0].expect.decision: unknown or missing decision "deny"`},
		{"activity unknown", "cases:\n  - {name: a, input: {activity: fax, app_host: x}, expect: {decision: allow}}\n", `cases[0].input: body.activity: unknown activity "fax"`},
		{"ip invalid", "cases:\n  - {name: a, input: {activity: copy, app_host: x, ip: nowhere}, expect: {decision: allow}}\n", `cases[0].input: ip: invalid address "nowhere"`},
		{"time invalid", "cases:\n  - {name: a, input: {activity: copy, app_host: x, time: monday}, expect: {decision: allow}}\n", `cases[0].input: time: invalid RFC 3339 time "monday"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCases("cases_test.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
