package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"parapet/server/store"
)

// deviceView is a device in the admin API, without its credential hash.
type deviceView struct {
	ID         string          `json:"id"`
	User       string          `json:"user"`
	Hostname   string          `json:"hostname"`
	HostID     string          `json:"host_id"`
	Managed    bool            `json:"managed"`
	EnrolledAt time.Time       `json:"enrolled_at"`
	LastSeenAt *time.Time      `json:"last_seen_at"`
	LastIP     string          `json:"last_ip"`
	Posture    json.RawMessage `json:"last_posture"`
	RevokedAt  *time.Time      `json:"revoked_at"`
	Connected  bool            `json:"connected"`
}

func viewDevice(d store.Device, connected map[string]bool) deviceView {
	v := deviceView{ID: d.ID, User: d.User, Hostname: d.Hostname, HostID: d.HostID, Managed: d.Managed,
		EnrolledAt: d.EnrolledAt, LastIP: d.LastIP, Posture: d.LastPosture, Connected: connected[d.ID]}
	if v.Posture == nil {
		v.Posture = json.RawMessage("null")
	}
	if !d.LastSeenAt.IsZero() {
		seen := d.LastSeenAt
		v.LastSeenAt = &seen
	}
	if !d.RevokedAt.IsZero() {
		revoked := d.RevokedAt
		v.RevokedAt = &revoked
	}
	return v
}

func (s *server) handleListDevices(w http.ResponseWriter, r *http.Request) {
	// NOTE: the list is not paged, which suits fleets of a few thousand
	// devices.
	devices, err := s.Store.ListDevices(r.Context())
	if err != nil {
		s.log.Error("listing devices", "error", err)
		writeError(w, http.StatusInternalServerError, "listing devices failed")
		return
	}
	connected := s.Hub.ConnectedDevices()
	views := make([]deviceView, len(devices))
	for i, d := range devices {
		views[i] = viewDevice(d, connected)
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": views})
}

func (s *server) handleDevice(w http.ResponseWriter, r *http.Request) {
	d, ok := s.readDevice(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, viewDevice(d, s.Hub.ConnectedDevices()))
}

func (s *server) handleRevokeDevice(w http.ResponseWriter, r *http.Request) {
	d, ok := s.readDevice(w, r)
	if !ok {
		return
	}
	audit := auditEntry(r, "device.revoke", d.ID, map[string]string{"user": d.User, "hostname": d.Hostname})
	if err := s.Store.RevokeDevice(r.Context(), d.ID, time.Now().UTC(), audit); err != nil {
		s.log.Error("revoking device", "device_id", d.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "revoking the device failed")
		return
	}
	closed := s.Hub.Disconnect(d.ID)
	s.log.Info("device revoked", "device_id", d.ID, "links_closed", closed, "actor", audit.Actor)
	d, ok = s.readDevice(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, viewDevice(d, s.Hub.ConnectedDevices()))
}

func (s *server) readDevice(w http.ResponseWriter, r *http.Request) (store.Device, bool) {
	id := r.PathValue("id")
	d, err := s.Store.Device(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeFieldError(w, http.StatusNotFound, "id", "device "+truncate(id)+" not found")
		return store.Device{}, false
	}
	if err != nil {
		s.log.Error("reading device", "device_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the device failed")
		return store.Device{}, false
	}
	return d, true
}
