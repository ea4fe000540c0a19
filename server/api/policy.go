package api

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parapet/server/api/policyview"
	"parapet/server/hub"
	"parapet/server/store"
)

// revisionHeader carries the revision of a YAML policy export.
const revisionHeader = "Parapet-Policy-Revision"

type policyResponse struct {
	Revision int64  `json:"revision"`
	Digest   string `json:"digest"`
	// Source is "file" when the server watches a policy file or folder
	// and "api" when PUT /api/v1/policy sets the policies.
	Source string `json:"source"`
	// Files are the files the set was loaded from.
	Files []string `json:"files"`
	// Documents are the bundle's YAML documents as JSON.
	Documents []any `json:"documents"`
}

type applyResponse struct {
	Revision int64           `json:"revision"`
	Changed  bool            `json:"changed"`
	Diff     policyview.Diff `json:"diff"`
}

type validateResponse struct {
	Valid    bool            `json:"valid"`
	Apps     int             `json:"apps"`
	Policies int             `json:"policies"`
	Diff     policyview.Diff `json:"diff"`
}

func (s *server) policySource() string {
	if s.PolicyPath != "" {
		return "file"
	}
	return "api"
}

func (s *server) handleGetPolicy(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, "format"); err != nil {
		writeParamError(w, err)
		return
	}
	format := q.Get("format")
	if format == "" {
		format = "json"
		first, _, _ := strings.Cut(r.Header.Get("Accept"), ",")
		if mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(first)); err == nil &&
			(mediaType == "application/yaml" || mediaType == "application/x-yaml" || mediaType == "text/yaml") {
			format = "yaml"
		}
	}

	current := s.Hub.Policies()
	if format != "json" && format != "yaml" {
		writeFieldError(w, http.StatusBadRequest, "format", "format: must be json or yaml")
		return
	}
	bundle, ok := s.currentBundle(w, r, current)
	if !ok {
		return
	}
	if format == "yaml" {
		w.Header().Set("Content-Type", "application/yaml")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set(revisionHeader, strconv.FormatInt(current.Revision, 10))
		w.WriteHeader(http.StatusOK)
		w.Write(bundle)
		return
	}

	docs, err := policyview.Documents(bundle)
	if err != nil {
		s.log.Error("decoding policy bundle", "revision", current.Revision, "error", err)
		writeError(w, http.StatusInternalServerError, "decoding the policy bundle failed")
		return
	}
	files := current.Set.Files
	if files == nil {
		files = []string{}
	}
	writeJSON(w, http.StatusOK, policyResponse{Revision: current.Revision, Digest: current.Set.Digest,
		Source: s.policySource(), Files: files, Documents: docs})
}

// currentBundle returns the YAML bundle of the current set: as applied,
// when the current revision came from PUT, or reread from the policy files.
// It writes the error response itself and returns false on failure.
func (s *server) currentBundle(w http.ResponseWriter, r *http.Request, current hub.Policies) ([]byte, bool) {
	bundle, err := s.readCurrentBundle(r, current)
	if errors.Is(err, policyview.ErrSourceChanged) {
		writeError(w, http.StatusConflict, err.Error())
		return nil, false
	}
	if err != nil {
		s.log.Error("reading policy bundle", "revision", current.Revision, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the current policies failed")
		return nil, false
	}
	return bundle, true
}

func (s *server) readCurrentBundle(r *http.Request, current hub.Policies) ([]byte, error) {
	if s.PolicyPath == "" {
		bundle, err := s.Store.LatestPolicyBundle(r.Context())
		if err == nil && bundle.Digest == current.Set.Digest {
			return []byte(bundle.Source), nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return policyview.Source(current.Set)
}

// parseBundle reads and validates a YAML bundle from the body, writing the
// 4xx itself on failure.
func (s *server) parseBundle(w http.ResponseWriter, r *http.Request) (*policyview.Set, []byte, bool) {
	data, ok := readBody(w, r, maxPolicyBody)
	if !ok {
		return nil, nil, false
	}
	set, err := policyview.Parse(policyview.BundleName, data)
	if err != nil {
		writeFieldError(w, http.StatusBadRequest, policyview.ErrorField(err), err.Error())
		return nil, nil, false
	}
	return set, data, true
}

func (s *server) handlePutPolicy(w http.ResponseWriter, r *http.Request) {
	if s.PolicyPath != "" {
		writeError(w, http.StatusConflict, "the server loads its policies from "+s.PolicyPath+
			", which is the source of truth; edit that file or restart the server without --policies to manage policies through the API")
		return
	}
	set, data, ok := s.parseBundle(w, r)
	if !ok {
		return
	}

	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	old := s.Hub.Policies()
	diff := s.diffFromCurrent(r, old, data)
	p := principalFrom(r)
	now := time.Now().UTC()
	audit := auditEntry(r, "policy.apply", "", map[string]any{"previous_revision": old.Revision, "digest": set.Digest, "diff": diff})
	bundle := store.PolicyBundle{Digest: set.Digest, Source: string(data), AppliedBy: p.Actor, AppliedAt: now}
	revision, changed, err := s.Store.ApplyPolicy(r.Context(), bundle, audit)
	if err != nil {
		s.log.Error("storing policy bundle", "error", err)
		writeError(w, http.StatusInternalServerError, "storing the policy bundle failed; the current policies stay in force")
		return
	}
	if changed {
		s.Hub.SetPolicies(hub.Policies{Set: set, Revision: revision})
		apps, policies := policyview.Counts(set)
		s.log.Info("applied policies", "revision", revision, "apps", apps, "policies", policies, "actor", p.Actor)
	}
	writeJSON(w, http.StatusOK, applyResponse{Revision: revision, Changed: changed, Diff: diff})
}

func (s *server) handleValidatePolicy(w http.ResponseWriter, r *http.Request) {
	set, data, ok := s.parseBundle(w, r)
	if !ok {
		return
	}
	apps, policies := policyview.Counts(set)
	writeJSON(w, http.StatusOK, validateResponse{Valid: true, Apps: apps, Policies: policies,
		Diff: s.diffFromCurrent(r, s.Hub.Policies(), data)})
}

// diffFromCurrent compares the current bundle with a new one. It returns
// nil, which the response shows as null, when the current bundle cannot be
// read.
func (s *server) diffFromCurrent(r *http.Request, current hub.Policies, bundle []byte) policyview.Diff {
	old, err := s.readCurrentBundle(r, current)
	if err == nil {
		var diff policyview.Diff
		if diff, err = policyview.Compare(old, bundle); err == nil {
			return diff
		}
	}
	s.log.Warn("diffing policies", "revision", current.Revision, "error", err)
	return nil
}
