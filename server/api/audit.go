package api

import (
	"errors"
	"net/http"

	"parapet/server/store"
)

type auditResponse struct {
	Entries    []store.AuditEntry `json:"entries"`
	NextCursor string             `json:"next_cursor"`
}

func (s *server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "actor", "action", "target", "since", "until", "limit", "cursor"); err != nil {
		writeParamError(w, err)
		return
	}
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"), Cursor: q.Get("cursor")}
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
	page, err := s.Store.ListAudit(r.Context(), f)
	if errors.Is(err, store.ErrInvalidCursor) {
		writeFieldError(w, http.StatusBadRequest, "cursor", "cursor: invalid; pass the next_cursor of a previous page")
		return
	}
	if err != nil {
		s.log.Error("listing audit log", "error", err)
		writeError(w, http.StatusInternalServerError, "listing the audit log failed")
		return
	}
	writeJSON(w, http.StatusOK, auditResponse{Entries: page.Entries, NextCursor: page.NextCursor})
}
