package api

import (
	"net/http"
	"strings"
	"testing"

	accesscontrol "parapet/server/access"
	"parapet/server/store"
)

func TestBlockUserValidatesInput(t *testing.T) {
	s := startServer(t, func(c *Config) {
		st := c.Store.(*store.SQLite)
		c.Identity = &Identity{Access: &accesscontrol.Service{Store: st}, Alerts: st}
	})
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"plain reason", `{"reason":"left the company","duration":"8h"}`, http.StatusOK, ""},
		{"control character", `{"reason":"a\u0000b"}`, http.StatusBadRequest, "reason"},
		{"line break", `{"reason":"line one\nline two"}`, http.StatusBadRequest, "reason"},
		{"duration beyond a year", `{"reason":"x","duration":"100000h"}`, http.StatusBadRequest, "duration"},
		{"duration of a year", `{"reason":"x","duration":"8760h"}`, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := s.do(t, "POST", "/api/v1/users/bea@corp.test/block", adminToken, tt.body)
			if status != tt.status {
				t.Fatalf("got status %d (%s), want %d", status, body, tt.status)
			}
			if tt.field != "" && !strings.Contains(string(body), `"field":"`+tt.field+`"`) {
				t.Errorf("error %s does not name the field %s", body, tt.field)
			}
		})
	}
}
