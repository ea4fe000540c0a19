package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"parapet/protocol"
	accesscontrol "parapet/server/access"
	"parapet/server/identity"
	"parapet/server/identity/totp"
	"parapet/server/store"
)

// IdentityStore is the part of the identity store that the admin API
// reads. sqlstore.Store implements it.
type IdentityStore interface {
	ListUsers(ctx context.Context) ([]identity.User, error)
	SessionsOfUser(ctx context.Context, userID string) ([]identity.Session, error)
	DeleteSession(ctx context.Context, id string) error
	SaveTOTPEnrollment(ctx context.Context, e totp.Enrollment) error
}

// AccessStore keeps alerts and admin blocks. store.SQLite implements it.
type AccessStore interface {
	ListAlerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error)
	SetAlertState(ctx context.Context, id, state, actor string, at time.Time, audit store.AuditEntry) (store.Alert, error)
	BlockUser(ctx context.Context, b store.UserBlock, audit store.AuditEntry) error
	UnblockUser(ctx context.Context, user string, audit store.AuditEntry) (bool, error)
	UserBlock(ctx context.Context, user string) (store.UserBlock, error)
	InsertAudit(ctx context.Context, e store.AuditEntry) error
}

// Identity holds what the user, session and alert endpoints need. Without
// it those endpoints answer 503.
type Identity struct {
	Users    *identity.Directory
	Sessions *identity.Sessions
	Store    IdentityStore
	TOTP     *totp.Authenticator
	Access   *accesscontrol.Service
	Alerts   AccessStore
}

func (s *server) identityRoutes() []route {
	return []route{
		{"GET", "/api/v1/users", readOnly, s.handleListUsers},
		{"POST", "/api/v1/users", adminOnly, s.handleCreateUser},
		{"GET", "/api/v1/users/{id}/sessions", readOnly, s.handleUserSessions},
		{"POST", "/api/v1/users/{id}/totp", adminOnly, s.handleEnrollTOTP},
		{"POST", "/api/v1/users/{id}/block", adminOnly, s.handleBlockUser},
		{"POST", "/api/v1/users/{id}/unblock", adminOnly, s.handleUnblockUser},
		{"POST", "/api/v1/sessions/{id}/revoke", adminOnly, s.handleRevokeSession},
		{"GET", "/api/v1/alerts", readOnly, s.handleListAlerts},
		{"POST", "/api/v1/alerts/{id}/acknowledge", adminOnly, s.handleAlertState(store.AlertAcknowledged)},
		{"POST", "/api/v1/alerts/{id}/resolve", adminOnly, s.handleAlertState(store.AlertResolved)},
	}
}

// identityReady writes a 503 and returns false when the server runs
// without identity.
func (s *server) identityReady(w http.ResponseWriter) bool {
	if s.Identity == nil {
		writeError(w, http.StatusServiceUnavailable, "user identity is not configured on this server")
		return false
	}
	return true
}

type userView struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Groups      []string  `json:"groups"`
	Guest       bool      `json:"guest"`
	GuestFlag   bool      `json:"guest_flag"`
	OIDC        bool      `json:"oidc_linked"`
	HasPassword bool      `json:"has_password"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

func (s *server) viewUser(u identity.User) userView {
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	return userView{ID: u.ID, Email: u.Email, Name: u.Name, Groups: groups, Guest: s.Identity.Users.IsGuest(u),
		GuestFlag: u.Guest, OIDC: u.OIDCSubject != "", HasPassword: u.PasswordHash != "", Disabled: u.Disabled,
		CreatedAt: u.CreatedAt}
}

func (s *server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	users, err := s.Identity.Store.ListUsers(r.Context())
	if err != nil {
		s.log.Error("listing users", "error", err)
		writeError(w, http.StatusInternalServerError, "listing users failed")
		return
	}
	views := make([]userView, 0, len(users))
	for _, u := range users {
		views = append(views, s.viewUser(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": views})
}

type createUserRequest struct {
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Password string   `json:"password"`
	Groups   []string `json:"groups"`
	Guest    bool     `json:"guest"`
}

func (s *server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	var req createUserRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Email = identity.NormalizeEmail(req.Email)
	if err := CheckEmail(req.Email); err != nil {
		writeFieldError(w, http.StatusBadRequest, "email", "email: "+err.Error())
		return
	}
	u, err := CreateUser(r.Context(), s.Identity.Users, s.Identity.Alerts, principalFrom(r).Actor, principalFrom(r).Role,
		identity.NewLocalUser{Email: req.Email, Name: req.Name, Password: req.Password, Groups: req.Groups, Guest: req.Guest})
	switch {
	case errors.Is(err, identity.ErrExists):
		writeFieldError(w, http.StatusConflict, "email", "a user with email "+req.Email+" already exists")
		return
	case errors.Is(err, errInvalidPassword):
		writeFieldError(w, http.StatusBadRequest, "password", "password: "+strings.TrimPrefix(err.Error(), errInvalidPassword.Error()+": "))
		return
	case err != nil:
		s.log.Error("creating user", "email", req.Email, "error", err)
		writeError(w, http.StatusInternalServerError, "creating the user failed")
		return
	}
	writeJSON(w, http.StatusCreated, s.viewUser(u))
}

// userByPathID reads the user of the path's id, writing a 404 when it is
// unknown.
func (s *server) userByPathID(w http.ResponseWriter, r *http.Request) (identity.User, bool) {
	id := r.PathValue("id")
	u, err := s.Identity.Users.User(r.Context(), id)
	if errors.Is(err, identity.ErrNotFound) {
		writeFieldError(w, http.StatusNotFound, "id", "user "+truncate(id)+" not found")
		return identity.User{}, false
	}
	if err != nil {
		s.log.Error("reading user", "user_id", id, "error", err)
		writeError(w, http.StatusInternalServerError, "reading the user failed")
		return identity.User{}, false
	}
	return u, true
}

type sessionView struct {
	ID              string    `json:"id"`
	DeviceID        string    `json:"device_id"`
	AppID           string    `json:"app_id"`
	FirstIP         string    `json:"first_ip"`
	CurrentIP       string    `json:"current_ip"`
	IPChanged       bool      `json:"ip_changed"`
	CreatedAt       time.Time `json:"created_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	AuthenticatedAt time.Time `json:"authenticated_at"`
}

func (s *server) handleUserSessions(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	u, ok := s.userByPathID(w, r)
	if !ok {
		return
	}
	sessions, err := s.Identity.Store.SessionsOfUser(r.Context(), u.ID)
	if err != nil {
		s.log.Error("listing sessions", "user_id", u.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "listing the sessions failed")
		return
	}
	views := make([]sessionView, 0, len(sessions))
	for _, x := range sessions {
		views = append(views, sessionView{ID: x.ID, DeviceID: x.DeviceID, AppID: x.AppID, FirstIP: addrString(x.FirstIP.String()),
			CurrentIP: addrString(x.CurrentIP.String()), IPChanged: x.IPChanged, CreatedAt: x.CreatedAt,
			ExpiresAt: x.ExpiresAt, AuthenticatedAt: x.AuthenticatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": views})
}

// addrString turns the zero netip.Addr's "invalid IP" into "".
func addrString(s string) string {
	if s == "invalid IP" {
		return ""
	}
	return s
}

// handleEnrollTOTP creates and confirms a TOTP secret for the user and
// returns it once, like POST /totp/enroll does for the user. It is meant
// for setting up test users and for users who cannot enroll themselves.
func (s *server) handleEnrollTOTP(w http.ResponseWriter, r *http.Request) {
	if !s.identityReady(w) {
		return
	}
	u, ok := s.userByPathID(w, r)
	if !ok {
		return
	}
	if s.Identity.TOTP.Enrolled(r.Context(), u.ID) {
		writeError(w, http.StatusConflict, "TOTP is already enrolled for "+u.Email)
		return
	}
	key, err := EnrollTOTP(r.Context(), s.Identity.TOTP, s.Identity.Store, u)
	if err != nil {
		s.log.Error("enrolling TOTP", "user_id", u.ID, "error", err)
		writeError(w, http.StatusInternalServerError, "enrolling TOTP failed")
		return
	}
	audit := auditEntry(r, "user.totp_enroll", u.ID, map[string]string{"email": u.Email})
	if err := s.Identity.Alerts.InsertAudit(r.Context(), audit); err != nil {
		s.log.Error("writing audit entry", "action", audit.Action, "user_id", u.ID, "error", err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"otpauth_uri": key.URI, "secret": key.Secret})
}

// EnrollTOTP creates a TOTP secret for u and stores it as confirmed, so
// it counts as a second factor at once. It returns the secret, which
// cannot be read again.
func EnrollTOTP(ctx context.Context, auth *totp.Authenticator, st IdentityStore, u identity.User) (totp.Key, error) {
	key, err := auth.Begin(ctx, u.ID, u.Email)
	if err != nil {
		return totp.Key{}, err
	}
	e := totp.Enrollment{UserID: u.ID, Secret: key.Secret, Confirmed: true, CreatedAt: time.Now().UTC()}
	if err := st.SaveTOTPEnrollment(ctx, e); err != nil {
		return totp.Key{}, err
	}
	return key, nil
}

// notifyUser pushes an access change to the user's agents, if the hub is
// running.
func (s *server) notifyUser(email, state, message string, until *time.Time) int {
	if s.Hub == nil {
		return 0
	}
	return s.Hub.NotifyUser(email, &protocol.AccessChanged{User: email, State: state, Message: message, Until: until})
}
