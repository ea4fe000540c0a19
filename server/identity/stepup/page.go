package stepup

import (
	"context"
	_ "embed"
	"html/template"
	"net/http"
	"time"

	"parapet/server/identity"
	"parapet/server/identity/internal/web"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("stepup").Parse(pageHTML))

type pageData struct {
	Action      Action
	Email       string
	TOTP        bool
	WebAuthn    bool
	OIDC        bool
	Message     string
	Done        bool
	ScriptNonce string
	Seconds     int
}

func (h *Handler) handlePage(w http.ResponseWriter, r *http.Request) {
	a, err := h.Registry.Get(r.PathValue("id"))
	if err != nil {
		http.Error(w, "This step-up is unknown or expired. Try the action again.", http.StatusNotFound)
		return
	}
	data := h.methods(r.Context(), a)
	if a.Status != StatusPending {
		data.Done = true
		data.Message = finalMessage(a)
	}
	h.render(w, http.StatusOK, data)
}

// methods returns the page data with the methods the user has set up.
func (h *Handler) methods(ctx context.Context, a Action) pageData {
	data := pageData{Action: a, Seconds: max(0, int(time.Until(a.ExpiresAt).Seconds()))}
	u, err := h.user(ctx, a)
	if err != nil {
		return data
	}
	data.Email = u.Email
	data.TOTP = h.TOTP != nil && h.TOTP.Enrolled(ctx, u.ID)
	data.WebAuthn = h.Passkeys != nil && h.Passkeys.HasCredentials(ctx, u.ID)
	data.OIDC = h.OIDC != nil && u.OIDCSubject != ""
	return data
}

func finalMessage(a Action) string {
	switch a.Status {
	case StatusSatisfied:
		return "Verified. Your action continues; you can close this tab."
	case StatusFailed:
		return "Too many failed attempts. The action stays blocked; try it again."
	case StatusExpired:
		return "The step-up expired. The action stays blocked; try it again."
	default:
		return "The action was canceled."
	}
}

// renderResult shows the outcome of an attempt made by a form post or an
// OIDC redirect.
func (h *Handler) renderResult(ctx context.Context, w http.ResponseWriter, a Action, err error) {
	if a.ID == "" {
		http.Error(w, "This step-up is unknown or expired. Try the action again.", http.StatusNotFound)
		return
	}
	data := pageData{Action: a, Done: a.Status != StatusPending}
	if data.Done {
		data.Message = finalMessage(a)
	} else {
		data = h.methods(ctx, a)
		data.Message = "Not verified: " + publicReason(err) + ". Try again."
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusForbidden
	}
	h.render(w, status, data)
}

func (h *Handler) render(w http.ResponseWriter, status int, data pageData) {
	data.ScriptNonce = identity.NewID("")
	web.SetPageHeaders(w, data.ScriptNonce)
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, data); err != nil {
		h.log().Error("rendering step-up page", "action_id", data.Action.ID, "error", err)
	}
}
