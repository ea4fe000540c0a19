package api

import (
	"fmt"
	"net/http"
	"strconv"

	"parapet/server/store"
)

// Page sizes of GET /api/v1/activities.
const (
	defaultActivityLimit = 100
	maxActivityLimit     = 1000
)

type activitiesResponse struct {
	Activities []store.Activity `json:"activities"`
}

func (s *server) handleActivities(w http.ResponseWriter, r *http.Request) {
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok || !s.AdminToken.Matches(token) {
		writeUnauthorized(w, "missing or invalid admin token")
		return
	}
	limit, err := parseLimit(r.URL.Query().Get("limit"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	activities, err := s.Store.ListActivities(r.Context(), limit)
	if err != nil {
		s.log.Error("listing activities", "error", err)
		writeError(w, http.StatusInternalServerError, "listing activities failed")
		return
	}
	writeJSON(w, http.StatusOK, activitiesResponse{Activities: activities})
}

func parseLimit(value string) (int, error) {
	if value == "" {
		return defaultActivityLimit, nil
	}
	limit, err := strconv.Atoi(value)
	if err != nil || limit < 1 || limit > maxActivityLimit {
		return 0, fmt.Errorf("limit: must be an integer from 1 to %d, not %q", maxActivityLimit, truncate(value))
	}
	return limit, nil
}
