package signin

import (
	_ "embed"
	"html/template"
	"net/http"

	"parapet/server/identity/internal/web"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("signin").Parse(pageHTML))

type pageData struct {
	Params  params
	OIDC    bool
	Message string
	Done    bool
}

func (h *Handler) handlePage(w http.ResponseWriter, r *http.Request) {
	p, err := h.readParams(r.URL.Query().Get)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.renderPage(w, http.StatusOK, p, "")
}

func (h *Handler) handleDone(w http.ResponseWriter, _ *http.Request) {
	web.SetPageHeaders(w, "")
	w.WriteHeader(http.StatusOK)
	if err := pageTemplate.Execute(w, pageData{Done: true}); err != nil {
		h.log().Error("rendering sign-in page", "error", err)
	}
}

func (h *Handler) renderPage(w http.ResponseWriter, status int, p params, message string) {
	web.SetPageHeaders(w, "")
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, pageData{Params: p, OIDC: h.OIDC != nil, Message: message}); err != nil {
		h.log().Error("rendering sign-in page", "error", err)
	}
}
