package oidclogin_test

import (
	"net/http/httptest"
	"net/url"

	"parapet/server/identity/oidclogin"
)

func serveCallback(c *oidclogin.Client, q url.Values) int {
	rec := httptest.NewRecorder()
	c.ServeCallback(rec, httptest.NewRequest("GET", "/oidc/callback?"+q.Encode(), nil))
	return rec.Code
}
