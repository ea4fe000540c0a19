package api

import (
	"net/http"
	"testing"
)

func TestRolesPerRoute(t *testing.T) {
	s := startServer(t)
	analyst := s.addToken(t, "analyst", "analyst")
	admin := s.addToken(t, "admin", "admin")
	const (
		unauthorized = http.StatusUnauthorized
		forbidden    = http.StatusForbidden
		ok           = http.StatusOK
		bad          = http.StatusBadRequest
		missing      = http.StatusNotFound
		// unavailable is the status of the identity routes on a server
		// without identity, such as the one startServer runs.
		unavailable = http.StatusServiceUnavailable
	)
	tests := []struct {
		method, pattern, path, body string
		none, analyst, admin        int
	}{
		{"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", "", ok, ok, ok},
		{"POST", "/api/v1/login", "/api/v1/login", "{}", bad, bad, bad},
		{"GET", "/api/v1/me", "/api/v1/me", "", unauthorized, ok, ok},
		{"GET", "/api/v1/accounts", "/api/v1/accounts", "", unauthorized, ok, ok},
		{"POST", "/api/v1/accounts", "/api/v1/accounts", "{}", unauthorized, forbidden, bad},
		{"DELETE", "/api/v1/accounts/{id}", "/api/v1/accounts/acc-x", "", unauthorized, forbidden, missing},
		{"GET", "/api/v1/tokens", "/api/v1/tokens", "", unauthorized, ok, ok},
		{"POST", "/api/v1/tokens", "/api/v1/tokens", "{}", unauthorized, forbidden, bad},
		{"POST", "/api/v1/tokens/{id}/revoke", "/api/v1/tokens/tok-x/revoke", "", unauthorized, forbidden, missing},
		{"GET", "/api/v1/activities", "/api/v1/activities", "", unauthorized, ok, ok},
		{"GET", "/api/v1/devices", "/api/v1/devices", "", unauthorized, ok, ok},
		{"GET", "/api/v1/devices/{id}", "/api/v1/devices/dev-x", "", unauthorized, missing, missing},
		{"POST", "/api/v1/devices/{id}/revoke", "/api/v1/devices/dev-x/revoke", "", unauthorized, forbidden, missing},
		{"GET", "/api/v1/enrollment-tokens", "/api/v1/enrollment-tokens", "", unauthorized, ok, ok},
		{"POST", "/api/v1/enrollment-tokens", "/api/v1/enrollment-tokens", "{}", unauthorized, forbidden, bad},
		{"POST", "/api/v1/enrollment-tokens/{id}/revoke", "/api/v1/enrollment-tokens/enr-x/revoke", "", unauthorized, forbidden, missing},
		{"GET", "/api/v1/audit", "/api/v1/audit", "", unauthorized, ok, ok},
		{"GET", "/api/v1/policy", "/api/v1/policy", "", unauthorized, ok, ok},
		{"PUT", "/api/v1/policy", "/api/v1/policy", "", unauthorized, forbidden, bad},
		{"POST", "/api/v1/policy/validate", "/api/v1/policy/validate", "", unauthorized, forbidden, bad},
		{"POST", "/api/v1/policy/preview", "/api/v1/policy/preview", "", unauthorized, forbidden, bad},
		{"POST", "/api/v1/simulate", "/api/v1/simulate", "{}", unauthorized, forbidden, bad},
		{"GET", "/api/v1/users", "/api/v1/users", "", unauthorized, unavailable, unavailable},
		{"POST", "/api/v1/users", "/api/v1/users", "{}", unauthorized, forbidden, unavailable},
		{"GET", "/api/v1/users/{id}/sessions", "/api/v1/users/usr_x/sessions", "", unauthorized, unavailable, unavailable},
		{"POST", "/api/v1/users/{id}/totp", "/api/v1/users/usr_x/totp", "", unauthorized, forbidden, unavailable},
		{"POST", "/api/v1/users/{id}/block", "/api/v1/users/usr_x/block", "", unauthorized, forbidden, unavailable},
		{"POST", "/api/v1/users/{id}/unblock", "/api/v1/users/usr_x/unblock", "", unauthorized, forbidden, unavailable},
		{"POST", "/api/v1/sessions/{id}/revoke", "/api/v1/sessions/ses_x/revoke", "", unauthorized, forbidden, unavailable},
		{"GET", "/api/v1/alerts", "/api/v1/alerts", "", unauthorized, unavailable, unavailable},
		{"POST", "/api/v1/alerts/{id}/acknowledge", "/api/v1/alerts/alr-x/acknowledge", "", unauthorized, forbidden, unavailable},
		{"POST", "/api/v1/alerts/{id}/resolve", "/api/v1/alerts/alr-x/resolve", "", unauthorized, forbidden, unavailable},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.method+" "+tt.pattern] = true
		for _, c := range []struct {
			role, token string
			want        int
		}{{"none", "", tt.none}, {"analyst", analyst, tt.analyst}, {"admin", admin, tt.admin}, {"bootstrap", adminToken, tt.admin}} {
			status, _, body := s.do(t, tt.method, tt.path, c.token, tt.body)
			if status != c.want {
				t.Errorf("%s %s as %s: got status %d (%s), want %d", tt.method, tt.path, c.role, status, body, c.want)
			}
		}
	}
	for _, rt := range s.srv().adminRoutes() {
		if !covered[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s: missing from the role table", rt.method, rt.pattern)
		}
		if rt.access != public && (rt.method == "GET") != (rt.access == readOnly) {
			t.Errorf("route %s %s: analysts may call exactly the GET routes", rt.method, rt.pattern)
		}
	}
}
