package oidclogin

import (
	"errors"
	"fmt"
	"net/http"
)

// CallbackFunc finishes a flow of one purpose. err is the reason the
// sign-in failed, or nil. res.Request is set whenever the state was known.
type CallbackFunc func(w http.ResponseWriter, r *http.Request, res Result, err error)

// Handle sets the function that finishes flows of purpose.
func (c *Client) Handle(purpose string, fn CallbackFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handlers[purpose] = fn
}

// ServeCallback serves the redirect URL: GET ...?state=...&code=... or
// ...?state=...&error=.... It exchanges the code and passes the result to
// the function of the request's purpose.
func (c *Client) ServeCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	var (
		res Result
		err error
	)
	if providerErr := q.Get("error"); providerErr != "" {
		p, ok := c.takePending(state)
		if !ok {
			http.Error(w, "The sign-in link is unknown or expired. Start again.", http.StatusBadRequest)
			return
		}
		res = Result{Request: p.request}
		err = fmt.Errorf("OIDC provider returned error %q: %s", providerErr, q.Get("error_description"))
	} else {
		res, err = c.Exchange(r.Context(), state, q.Get("code"))
		if errors.Is(err, ErrUnknownState) {
			http.Error(w, "The sign-in link is unknown or expired. Start again.", http.StatusBadRequest)
			return
		}
	}
	c.mu.Lock()
	fn := c.handlers[res.Request.Purpose]
	c.mu.Unlock()
	if fn == nil {
		http.Error(w, "No handler for this sign-in.", http.StatusInternalServerError)
		return
	}
	fn(w, r, res, err)
}
