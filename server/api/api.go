// Package api serves the server's HTTP endpoints: health, device
// enrollment, the agents' websocket and the admin API.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"parapet/protocol"
	"parapet/server/hub"
	"parapet/server/store"
)

// Config contains the dependencies and secrets of the handler.
type Config struct {
	Store store.Store
	Hub   *hub.Hub
	// EnrollToken is the hash of the organization's enrollment token.
	EnrollToken Secret
	// AdminToken is the hash of the admin API token.
	AdminToken Secret
	Log        *slog.Logger
}

type server struct {
	Config
	log *slog.Logger
}

// New returns the server's HTTP handler.
func New(cfg Config) http.Handler {
	s := &server{Config: cfg, log: cfg.Log.With("component", "api")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("POST "+protocol.EnrollPath, s.handleEnroll)
	mux.HandleFunc("GET "+protocol.AgentPath, s.handleConnect)
	mux.HandleFunc("GET /api/v1/activities", s.handleActivities)
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

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}

func writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="parapet"`)
	writeError(w, http.StatusUnauthorized, message)
}
