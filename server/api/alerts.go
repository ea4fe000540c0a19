package api

import (
	"errors"
	"net/http"
	"time"

	"parapet/server/store"
)

func (s *server) handleListAlerts(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	q := r.URL.Query()
	if err := checkParams(q, "state", "user", "detector", "severity", "since", "until", "limit"); err != nil {
		writeParamError(w, err)
		return
	}
	f := store.AlertFilter{State: q.Get("state"), User: q.Get("user"), Detector: q.Get("detector"), Severity: q.Get("severity")}
	switch f.State {
	case "", store.AlertOpen, store.AlertAcknowledged, store.AlertResolved:
	default:
		writeFieldError(w, http.StatusBadRequest, "state", "state: must be open, acknowledged or resolved")
		return
	}
	var err error
	if f.Limit, err = parseLimit(q, defaultPageLimit, maxPageLimit); err == nil {
		if f.Since, err = parseTime(q, "since"); err == nil {
			f.Until, err = parseTime(q, "until")
		}
	}
	if err != nil {
		writeParamError(w, err)
		return
	}
	alerts, err := s.Identity.Alerts.ListAlerts(r.Context(), f)
	if err != nil {
		s.log.Error("listing alerts", "error", err)
		writeError(w, http.StatusInternalServerError, "listing alerts failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": alerts})
}

// handleAlertState returns the handler that moves an alert to state.
func (s *server) handleAlertState(state string) http.HandlerFunc {
	action := "alert.acknowledge"
	if state == store.AlertResolved {
		action = "alert.resolve"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.identityReady(w) {
			return
		}
		id := r.PathValue("id")
		actor := principalFrom(r).Actor
		audit := auditEntry(r, action, id, map[string]string{"state": state})
		a, err := s.Identity.Alerts.SetAlertState(r.Context(), id, state, actor, time.Now().UTC(), audit)
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeFieldError(w, http.StatusNotFound, "id", "alert "+truncate(id)+" not found")
		case errors.Is(err, store.ErrAlertState):
			writeError(w, http.StatusConflict, err.Error())
		case err != nil:
			s.log.Error("changing alert state", "alert_id", id, "state", state, "error", err)
			writeError(w, http.StatusInternalServerError, "changing the alert failed")
		default:
			s.log.Info("alert state changed", "alert_id", id, "state", state, "actor", actor)
			writeJSON(w, http.StatusOK, a)
		}
	}
}
