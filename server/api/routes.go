package api

import (
	"net/http"

	"parapet/protocol"
)

// access is who may call an admin route.
type access int

const (
	// public routes need no token.
	public access = iota
	// readOnly routes accept analyst and admin tokens.
	readOnly
	// adminOnly routes accept admin tokens.
	adminOnly
	// deviceOnly routes accept a device credential, and the handler reads
	// the device with deviceFrom.
	deviceOnly
)

// route is one HTTP endpoint. The lists drive both the mux and the OpenAPI
// coverage test.
type route struct {
	method  string
	pattern string
	access  access
	handler http.HandlerFunc
}

// adminRoutes lists the admin API. Every GET route is readOnly and every
// other authenticated route adminOnly, which is the analyst role's rule.
func (s *server) adminRoutes() []route {
	return append([]route{
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

		{"GET", "/api/v1/enrollment-tokens", readOnly, s.handleListEnrollmentTokens},
		{"POST", "/api/v1/enrollment-tokens", adminOnly, s.handleCreateEnrollmentToken},
		{"POST", "/api/v1/enrollment-tokens/{id}/revoke", adminOnly, s.handleRevokeEnrollmentToken},

		{"GET", "/api/v1/audit", readOnly, s.handleAudit},

		{"GET", "/api/v1/policy", readOnly, s.handleGetPolicy},
		{"PUT", "/api/v1/policy", adminOnly, s.handlePutPolicy},
		{"POST", "/api/v1/policy/validate", adminOnly, s.handleValidatePolicy},
		{"POST", "/api/v1/policy/preview", adminOnly, s.handlePreviewPolicy},
		{"POST", "/api/v1/simulate", adminOnly, s.handleSimulate},
	}, s.identityRoutes()...)
}

// Paths of the agent endpoints besides protocol.EnrollPath and
// protocol.AgentPath.
const (
	// RotatePath issues a new credential for the calling device.
	RotatePath = "/agent/v1/credential/rotate"
	// BundleKeyPath returns the public key that signs policy bundles.
	BundleKeyPath = "/agent/v1/bundle-key"
	// PolicyBundlePath returns the signed bundle of the current policies.
	PolicyBundlePath = "/agent/v1/policy-bundle"
)

// agentRoutes lists the endpoints that agents call.
func (s *server) agentRoutes() []route {
	return []route{
		{"POST", protocol.EnrollPath, public, s.handleEnroll},
		{"GET", protocol.AgentPath, deviceOnly, s.handleConnect},
		{"POST", RotatePath, deviceOnly, s.handleRotate},
		{"GET", BundleKeyPath, deviceOnly, s.handleBundleKey},
		{"GET", PolicyBundlePath, deviceOnly, s.handlePolicyBundle},
		{"POST", FileOpenPath, deviceOnly, s.handleFileOpen},
	}
}
