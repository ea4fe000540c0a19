package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"parapet/protocol"
	"parapet/server/api/policyview"
)

const newPolicies = `apps:
  - id: filestore
    name: Sample file store
    hosts: ["127.0.0.1:8080", "localhost:8080"]
    sensitive: true
  - id: wiki
    hosts: ["*.wiki.corp.test"]
policies:
  - id: monitor-filestore
    apps: [filestore]
    decision: monitor
`

func TestPolicyPutApplies(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	var out applyResponse
	if status := s.doJSON(t, "PUT", "/api/v1/policy", adminToken, newPolicies, &out); status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	// The test hub starts at revision 7 without a stored revision, so the
	// store assigns revision 1.
	if !out.Changed || out.Revision != 1 {
		t.Errorf("got %+v, want changed revision 1", out)
	}
	if !slices.Equal(out.Diff["apps"].Added, []string{"wiki"}) || !slices.Equal(out.Diff["policies"].Removed, []string{"block-docx-downloads"}) {
		t.Errorf("got diff %+v, want wiki added and block-docx-downloads removed", out.Diff)
	}
	update, ok := read(t, conn).Payload.(*protocol.PolicyUpdate)
	if !ok || update.Revision != out.Revision || len(update.Apps) != 2 {
		t.Errorf("got agent update %+v, want revision %d with two apps", update, out.Revision)
	}

	status, header, body := s.do(t, "GET", "/api/v1/policy?format=yaml", adminToken, "")
	if status != http.StatusOK || string(body) != newPolicies {
		t.Errorf("GET yaml: got status %d body %q, want the applied bundle", status, body)
	}
	if header.Get(revisionHeader) == "" {
		t.Error("GET yaml: got no revision header")
	}

	var again applyResponse
	s.doJSON(t, "PUT", "/api/v1/policy", adminToken, newPolicies, &again)
	if again.Changed || again.Revision != out.Revision {
		t.Errorf("same bundle again: got %+v, want unchanged revision %d", again, out.Revision)
	}

	var audit auditResponse
	s.doJSON(t, "GET", "/api/v1/audit?action=policy.apply", adminToken, "", &audit)
	if len(audit.Entries) != 1 {
		t.Fatalf("got %d policy.apply entries, want 1", len(audit.Entries))
	}
	var details struct {
		Diff policyview.Diff `json:"diff"`
	}
	if err := json.Unmarshal(audit.Entries[0].Details, &details); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(details.Diff["apps"].Added, []string{"wiki"}) {
		t.Errorf("got audit diff %+v, want wiki added", details.Diff)
	}
	if audit.Entries[0].Actor != "bootstrap" {
		t.Errorf("got actor %q, want bootstrap", audit.Entries[0].Actor)
	}
}

func TestPolicyPutInvalidKeepsOld(t *testing.T) {
	s := startServer(t)
	invalid := strings.Replace(newPolicies, "decision: monitor", "decision: explode", 1)
	var out errorBody
	if status := s.doJSON(t, "PUT", "/api/v1/policy", adminToken, invalid, &out); status != http.StatusBadRequest {
		t.Fatalf("got status %d, want 400", status)
	}
	if out.Field != "policies[0].decision" {
		t.Errorf("got field %q, want policies[0].decision (%s)", out.Field, out.Error)
	}
	var current policyResponse
	s.doJSON(t, "GET", "/api/v1/policy", adminToken, "", &current)
	if current.Revision != 7 || s.hub.Policies().Set.Digest != s.initialDigest {
		t.Errorf("got revision %d, want the old revision 7 with the old set", current.Revision)
	}
	if s.hub.Policies().Revision != 7 {
		t.Errorf("got hub revision %d, want 7", s.hub.Policies().Revision)
	}
	if actions := s.auditActions(t); len(actions) != 0 {
		t.Errorf("got audit actions %v, want none", actions)
	}
	big := strings.Repeat("#", maxPolicyBody+1)
	if status := s.doJSON(t, "PUT", "/api/v1/policy", adminToken, big, nil); status != http.StatusRequestEntityTooLarge {
		t.Errorf("large bundle: got status %d, want 413", status)
	}
}

func TestPolicyPutFileManaged(t *testing.T) {
	s := startServer(t, func(c *Config) { c.PolicyPath = "/etc/parapet/policies.yaml" })
	var out errorBody
	if status := s.doJSON(t, "PUT", "/api/v1/policy", adminToken, newPolicies, &out); status != http.StatusConflict {
		t.Fatalf("got status %d, want 409", status)
	}
	if !strings.Contains(out.Error, "/etc/parapet/policies.yaml") {
		t.Errorf("got error %q, want it to name the policy file", out.Error)
	}
	var current policyResponse
	s.doJSON(t, "GET", "/api/v1/policy", adminToken, "", &current)
	if current.Source != "file" {
		t.Errorf("got source %q, want file", current.Source)
	}
}

func TestPolicyValidate(t *testing.T) {
	s := startServer(t)
	var ok validateResponse
	if status := s.doJSON(t, "POST", "/api/v1/policy/validate", adminToken, newPolicies, &ok); status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	if !ok.Valid || ok.Apps != 2 || ok.Policies != 1 {
		t.Errorf("got %+v, want valid with 2 apps and 1 policy", ok)
	}
	var bad errorBody
	if status := s.doJSON(t, "POST", "/api/v1/policy/validate", adminToken, "apps: [}", &bad); status != http.StatusBadRequest {
		t.Errorf("broken YAML: got status %d, want 400", status)
	}
	if s.hub.Policies().Revision != 7 {
		t.Error("validate changed the current policies")
	}
}

func TestSimulate(t *testing.T) {
	s := startServer(t)
	request := `{"activity":"download","app_host":"127.0.0.1:8080","page_url":"http://127.0.0.1:8080/","file":{"name":"q3.docx","size":10},"tab_id":1}`
	tests := []struct {
		name, body, decision string
		revision             int64
	}{
		{"current", `{"request":` + request + `,"facts":{"managed":false}}`, "block", 7},
		{"supplied", `{"request":` + request + `,"policies":` + jsonString(newPolicies) + `}`, "monitor", 0},
	}
	for _, tt := range tests {
		var out simulateResponse
		if status := s.doJSON(t, "POST", "/api/v1/simulate", adminToken, tt.body, &out); status != http.StatusOK {
			t.Fatalf("%s: got status %d, want 200", tt.name, status)
		}
		if out.Decision != tt.decision || out.Revision != tt.revision {
			t.Errorf("%s: got decision %q revision %d, want %q %d", tt.name, out.Decision, out.Revision, tt.decision, tt.revision)
		}
		if len(out.Explain.Trace) == 0 || out.Reason == "" {
			t.Errorf("%s: got no explanation", tt.name)
		}
	}
	var bad errorBody
	s.doJSON(t, "POST", "/api/v1/simulate", adminToken, `{"request":{"activity":"fax","app_host":"h","page_url":"http://h/","tab_id":1}}`, &bad)
	if bad.Field != "request.activity" {
		t.Errorf("invalid activity: got field %q, want request.activity (%s)", bad.Field, bad.Error)
	}
}

func TestPolicyPreview(t *testing.T) {
	s := startServer(t)
	conn := s.connect(t, s.enroll(t).Credential)
	write(t, conn, "r1", docxDownload())
	read(t, conn)
	var out previewResponse
	if status := s.doJSON(t, "POST", "/api/v1/policy/preview", adminToken, newPolicies, &out); status != http.StatusOK {
		t.Fatalf("got status %d, want 200", status)
	}
	if out.Evaluated != 1 || len(out.Changes) != 1 {
		t.Fatalf("got %d evaluated, %d changes; want 1 and 1", out.Evaluated, len(out.Changes))
	}
	c := out.Changes[0]
	if c.Current.Decision != "block" || c.Draft.Decision != "monitor" || c.Logged != "block" {
		t.Errorf("got current %q draft %q logged %q, want block monitor block", c.Current.Decision, c.Draft.Decision, c.Logged)
	}
	if s.hub.Policies().Revision != 7 {
		t.Error("preview changed the current policies")
	}
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}
