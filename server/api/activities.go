package api

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"parapet/server/store"
)

type activitiesResponse struct {
	Activities []store.Activity `json:"activities"`
	// NextCursor is empty on the last page.
	NextCursor string `json:"next_cursor"`
}

// activityParams are the query parameters of GET /api/v1/activities.
var activityParams = []string{"user", "device", "app", "activity", "decision", "policy",
	"since", "until", "limit", "cursor", "format"}

func (s *server) handleActivities(w http.ResponseWriter, r *http.Request) {
	filter, err := parseActivityFilter(r)
	if err != nil {
		writeParamError(w, err)
		return
	}
	csvOutput, err := wantsCSV(r)
	if err != nil {
		writeParamError(w, err)
		return
	}
	page, err := s.Store.QueryActivities(r.Context(), filter)
	if errors.Is(err, store.ErrInvalidCursor) {
		writeFieldError(w, http.StatusBadRequest, "cursor", "cursor: invalid; pass the next_cursor of a previous page")
		return
	}
	if err != nil {
		s.log.Error("listing activities", "error", err)
		writeError(w, http.StatusInternalServerError, "listing activities failed")
		return
	}
	if csvOutput {
		writeActivitiesCSV(w, page)
		return
	}
	writeJSON(w, http.StatusOK, activitiesResponse{Activities: page.Activities, NextCursor: page.NextCursor})
}

func parseActivityFilter(r *http.Request) (store.ActivityFilter, error) {
	q := r.URL.Query()
	if err := checkParams(q, activityParams...); err != nil {
		return store.ActivityFilter{}, err
	}
	f := store.ActivityFilter{
		Users:      listParam(q, "user"),
		Devices:    listParam(q, "device"),
		Apps:       listParam(q, "app"),
		Activities: listParam(q, "activity"),
		Decisions:  listParam(q, "decision"),
		Policies:   listParam(q, "policy"),
		Cursor:     q.Get("cursor"),
	}
	var err error
	if f.Limit, err = parseLimit(q, defaultPageLimit, maxPageLimit); err != nil {
		return f, err
	}
	if f.Since, err = parseTime(q, "since"); err != nil {
		return f, err
	}
	if f.Until, err = parseTime(q, "until"); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, &paramError{"until", "must be later than since"}
	}
	return f, nil
}

// wantsCSV reports whether the request asks for CSV, with format=csv or
// an Accept header whose first type is text/csv.
func wantsCSV(r *http.Request) (bool, error) {
	switch format := r.URL.Query().Get("format"); format {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
	default:
		return false, &paramError{"format", "must be json or csv, not " + truncate(format)}
	}
	first, _, _ := strings.Cut(r.Header.Get("Accept"), ",")
	mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(first))
	return err == nil && mediaType == "text/csv", nil
}
