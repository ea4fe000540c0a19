package api

import (
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"parapet/protocol"
	"parapet/server/api/policyview"
	"parapet/server/store"
)

type simulateRequest struct {
	Request *protocol.ActionRequest `json:"request"`
	Facts   policyview.Facts        `json:"facts"`
	// Policies is a YAML bundle to evaluate instead of the current set.
	Policies string `json:"policies"`
}

type simulateResponse struct {
	policyview.Result
	// Revision is the current set's revision, or 0 for a supplied bundle.
	Revision int64 `json:"revision"`
}

func (s *server) handleSimulate(w http.ResponseWriter, r *http.Request) {
	var req simulateRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Request == nil {
		writeFieldError(w, http.StatusBadRequest, "request", "request: missing")
		return
	}
	if err := req.Request.Validate(); err != nil {
		var fe *protocol.FieldError
		field := ""
		if errors.As(err, &fe) {
			field = "request" + strings.TrimPrefix(fe.Field, "body")
		}
		writeFieldError(w, http.StatusBadRequest, field, "request: "+err.Error())
		return
	}
	current := s.Hub.Policies()
	set, revision := current.Set, current.Revision
	if req.Policies != "" {
		draft, err := policyview.Parse(policyview.BundleName, []byte(req.Policies))
		if err != nil {
			field := "policies"
			if f := policyview.ErrorField(err); f != "" {
				field = "policies." + f
			}
			writeFieldError(w, http.StatusBadRequest, field, err.Error())
			return
		}
		set, revision = draft, 0
	}
	result, err := policyview.Decide(set, req.Request, req.Facts)
	if err != nil {
		writeFieldError(w, http.StatusBadRequest, "facts.source_ip", "facts."+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, simulateResponse{Result: result, Revision: revision})
}

// Preview sizes: how many of the newest activities are replayed.
const (
	defaultPreviewLimit = 1000
	maxPreviewLimit     = 10000
)

type previewChange struct {
	ActivityID string            `json:"activity_id"`
	Time       time.Time         `json:"time"`
	User       string            `json:"user"`
	DeviceID   string            `json:"device_id"`
	AppHost    string            `json:"app_host"`
	Activity   string            `json:"activity"`
	FileName   string            `json:"file_name"`
	Logged     string            `json:"logged_decision"`
	Current    policyview.Result `json:"current"`
	Draft      policyview.Result `json:"draft"`
}

type previewResponse struct {
	Evaluated int             `json:"evaluated"`
	Changes   []previewChange `json:"changes"`
}

// handlePreviewPolicy replays the newest logged activities against the
// current set and a draft bundle and lists those whose decision or matching
// policies differ.
func (s *server) handlePreviewPolicy(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "limit"); err != nil {
		writeParamError(w, err)
		return
	}
	limit, err := parseLimit(q, defaultPreviewLimit, maxPreviewLimit)
	if err != nil {
		writeParamError(w, err)
		return
	}
	draft, _, ok := s.parseBundle(w, r)
	if !ok {
		return
	}
	page, err := s.Store.QueryActivities(r.Context(), store.ActivityFilter{Limit: limit})
	if err != nil {
		s.log.Error("listing activities for preview", "error", err)
		writeError(w, http.StatusInternalServerError, "listing activities failed")
		return
	}
	devices, err := s.Store.ListDevices(r.Context())
	if err != nil {
		s.log.Error("listing devices for preview", "error", err)
		writeError(w, http.StatusInternalServerError, "listing devices failed")
		return
	}
	managed := make(map[string]bool, len(devices))
	for _, d := range devices {
		managed[d.ID] = d.Managed
	}

	current := s.Hub.Policies().Set
	resp := previewResponse{Evaluated: len(page.Activities), Changes: []previewChange{}}
	for _, a := range page.Activities {
		req := replayRequest(a)
		// NOTE: posture, groups and tags are not replayed, so policies on
		// them see none.
		facts := policyview.Facts{DeviceID: a.DeviceID, User: a.User, Managed: managed[a.DeviceID], Time: a.Time}
		if _, err := netip.ParseAddr(a.SourceIP); err == nil {
			facts.SourceIP = a.SourceIP
		}
		before, _ := policyview.Decide(current, req, facts)
		after, _ := policyview.Decide(draft, req, facts)
		if before.Decision == after.Decision && slices.Equal(before.PolicyIDs, after.PolicyIDs) {
			continue
		}
		resp.Changes = append(resp.Changes, previewChange{ActivityID: a.ID, Time: a.Time, User: a.User,
			DeviceID: a.DeviceID, AppHost: a.AppHost, Activity: a.Activity, FileName: a.FileName,
			Logged: a.Decision, Current: before, Draft: after})
	}
	writeJSON(w, http.StatusOK, resp)
}

// replayRequest rebuilds the action.request of a logged activity. The log
// does not keep the file's SHA-256 or the tab id, so policies on those
// cannot be previewed.
func replayRequest(a store.Activity) *protocol.ActionRequest {
	req := &protocol.ActionRequest{Activity: protocol.Activity(a.Activity), AppHost: a.AppHost,
		PageURL: a.PageURL, TargetURL: a.TargetURL}
	if a.FileName != "" || a.FileSize != nil {
		size := int64(-1)
		if a.FileSize != nil {
			size = *a.FileSize
		}
		req.File = &protocol.FileInfo{Name: a.FileName, Size: size, MIMEType: a.FileMIME}
	}
	return req
}
