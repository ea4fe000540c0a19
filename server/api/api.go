// Package api serves the server's HTTP endpoints: health, device
// enrollment, the agents' websocket and the admin API.
package api

import (
	"crypto/ed25519"
	"encoding/json"
	"log/slog"
	"net/http"
	"parapet/server/filekeys"
	"sync"
	"time"

	"parapet/server/auth"
	"parapet/server/hub"
	"parapet/server/store"
)

// Config contains the dependencies and secrets of the handler.
type Config struct {
	Store store.Store
	Hub   *hub.Hub
	// EnrollToken is the hash of the server's own enrollment token, which
	// enrolls managed devices without a use limit. Admins create further
	// tokens through /api/v1/enrollment-tokens.
	EnrollToken Secret
	// BundleKey signs the policy bundles of GET /agent/v1/policy-bundle.
	// Without it, the bundle endpoints return 503.
	BundleKey ed25519.PrivateKey
	// AdminToken is the hash of the bootstrap admin token. The zero Secret
	// disables it.
	AdminToken Secret
	// PolicyPath is the policy file or folder the server watches. When it
	// is set, the file is the source of truth and PUT /api/v1/policy is
	// rejected.
	PolicyPath string
	// PasswordParams are the argon2id costs of new password hashes; the
	// zero value means auth.DefaultParams.
	PasswordParams auth.Params
	// SessionTTL is how long a login's session token is valid; zero means
	// defaultSessionTTL.
	SessionTTL time.Duration
	// FileKeys opens .parapet files for their recipients; nil disables
	// FileOpenPath.
	FileKeys *filekeys.Keys
	// Identity serves the user, session and alert endpoints; nil makes
	// them answer 503.
	Identity *Identity
	Log      *slog.Logger
}

// defaultSessionTTL is the lifetime of a session token from POST
// /api/v1/login.
const defaultSessionTTL = 12 * time.Hour

type server struct {
	Config
	log *slog.Logger
	// accountFailures and addressFailures count failed logins per email
	// and per client IP.
	accountFailures *auth.Limiter
	addressFailures *auth.Limiter
	// applyMu orders policy applies, so the hub receives revisions in the
	// order the store assigned them.
	applyMu sync.Mutex
	// dummyHash is verified for unknown emails, so a login takes as long
	// whether or not the account exists.
	dummyOnce sync.Once
	dummyHash string
	// bundles caches the signed bundle of the current policy set.
	bundles bundleCache
}

// Login limits: an email or a client IP with this many failures within
// loginWindow is rejected with 429 until the window ends.
const (
	maxAccountFailures = 5
	maxAddressFailures = 20
	loginWindow        = 15 * time.Minute
)

// New returns the server's HTTP handler.
func New(cfg Config) http.Handler {
	return newServer(cfg).routes()
}

func newServer(cfg Config) *server {
	if cfg.PasswordParams == (auth.Params{}) {
		cfg.PasswordParams = auth.DefaultParams
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = defaultSessionTTL
	}
	return &server{
		Config:          cfg,
		log:             cfg.Log.With("component", "api"),
		accountFailures: auth.NewLimiter(maxAccountFailures, loginWindow),
		addressFailures: auth.NewLimiter(maxAddressFailures, loginWindow),
	}
}

func (s *server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	for _, rt := range append(s.agentRoutes(), s.adminRoutes()...) {
		mux.Handle(rt.method+" "+rt.pattern, s.authorize(rt))
	}
	return mux
}

func (s *server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// errorBody is every 4xx and 5xx response of the admin API. Field names
// the invalid request field or query parameter, when there is one. Code is
// set for errors an agent acts on, such as hub.CodeDeviceRevoked.
type errorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	Code  string `json:"code,omitempty"`
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, errorBody{Error: message})
}

func writeFieldError(w http.ResponseWriter, status int, field, message string) {
	writeJSON(w, status, errorBody{Error: message, Field: field})
}

func writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="parapet"`)
	writeError(w, http.StatusUnauthorized, message)
}
