package api

import "net/http"

// access is who may call an admin route.
type access int

const (
	// public routes need no token.
	public access = iota
	// readOnly routes accept analyst and admin tokens.
	readOnly
	// adminOnly routes accept admin tokens.
	adminOnly
)

// route is one admin API endpoint. The list drives both the mux and the
// OpenAPI coverage test.
type route struct {
	method  string
	pattern string
	access  access
	handler http.HandlerFunc
}

// adminRoutes lists the admin API. Every GET route is readOnly and every
// other authenticated route adminOnly, which is the analyst role's rule.
func (s *server) adminRoutes() []route {
	return []route{
		{"GET", "/api/v1/openapi.json", public, s.handleOpenAPI},
		{"POST", "/api/v1/login", public, s.handleLogin},
		{"GET", "/api/v1/me", readOnly, s.handleMe},

		{"GET", "/api/v1/accounts", readOnly, s.handleListAccounts},
		{"POST", "/api/v1/accounts", adminOnly, s.handleCreateAccount},
		{"DELETE", "/api/v1/accounts/{id}", adminOnly, s.handleDeleteAccount},

		{"GET", "/api/v1/tokens", readOnly, s.handleListTokens},
		{"POST", "/api/v1/tokens", adminOnly, s.handleCreateToken},
		{"POST", "/api/v1/tokens/{id}/revoke", adminOnly, s.handleRevokeToken},

		{"GET", "/api/v1/activities", readOnly, s.handleActivities},

		{"GET", "/api/v1/devices", readOnly, s.handleListDevices},
		{"GET", "/api/v1/devices/{id}", readOnly, s.handleDevice},
		{"POST", "/api/v1/devices/{id}/revoke", adminOnly, s.handleRevokeDevice},

		{"GET", "/api/v1/audit", readOnly, s.handleAudit},

		{"GET", "/api/v1/policy", readOnly, s.handleGetPolicy},
		{"PUT", "/api/v1/policy", adminOnly, s.handlePutPolicy},
		{"POST", "/api/v1/policy/validate", adminOnly, s.handleValidatePolicy},
		{"POST", "/api/v1/policy/preview", adminOnly, s.handlePreviewPolicy},
		{"POST", "/api/v1/simulate", adminOnly, s.handleSimulate},
	}
}
