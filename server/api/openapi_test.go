package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

type openAPIDoc struct {
	Paths map[string]map[string]struct {
		Security  *[]any           `json:"security"`
		Responses map[string]any   `json:"responses"`
		Params    []map[string]any `json:"parameters"`
	} `json:"paths"`
}

func loadOpenAPI(t *testing.T, s *testServer) openAPIDoc {
	t.Helper()
	status, _, body := s.do(t, "GET", "/api/v1/openapi.json", "", "")
	if status != http.StatusOK {
		t.Fatalf("GET openapi.json: got status %d, want 200", status)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("decoding openapi.json: %v", err)
	}
	return doc
}

// TestOpenAPIMatchesRoutes checks that every documented operation exists
// and returns a documented status, both with an admin token and
// without one, and that every registered route is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := startServer(t)
	doc := loadOpenAPI(t, s)
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			method = strings.ToUpper(method)
			documented[method+" "+path] = true
			concrete := strings.ReplaceAll(path, "{id}", "missing-id")
			tokens := map[string]string{"admin": adminToken, "none": ""}
			for role, token := range tokens {
				status, _, body := s.do(t, method, concrete, token, "")
				if _, ok := op.Responses[strconv.Itoa(status)]; !ok {
					t.Errorf("%s %s as %s: got undocumented status %d (%s)", method, path, role, status, body)
				}
			}
			public := op.Security != nil && len(*op.Security) == 0
			if _, ok := op.Responses["401"]; !public && !ok {
				t.Errorf("%s %s: needs a token but documents no 401", method, path)
			}
		}
	}
	routes := append(s.srv().agentRoutes(), s.srv().adminRoutes()...)
	for _, rt := range routes {
		if !documented[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s: not in openapi.json", rt.method, rt.pattern)
		}
	}
	if routes := len(routes); len(documented) != routes {
		t.Errorf("got %d documented operations, want %d routes", len(documented), routes)
	}
}
