package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeRejectsKeyVariants(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"envelope key in upper case", `{"V":1,"type":"ping","id":"x","ts":"2026-12-03T10:00:00Z","body":{}}`, `unknown field "V"`},
		{"duplicate envelope key", `{"v":1,"v":1,"type":"ping","id":"x","ts":"2026-12-03T10:00:00Z","body":{}}`, `duplicate field "v"`},
		{"duplicate nested key", `{"v":1,"type":"action.request","id":"x","ts":"2026-12-03T10:00:00Z","body":{"activity":"download","app_host":"h","page_url":"http://h/","file":{"name":"a","name":"b","size":1},"tab_id":1}}`, `duplicate field "file.name"`},
		{"key in a list element", `{"v":1,"type":"policy.update","id":"x","ts":"2026-12-03T10:00:00Z","body":{"revision":1,"apps":[{"id":"a","Hosts":["h"],"sensitive":true}]}}`, `unknown field "apps[0].Hosts"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.data))
			var de *DecodeError
			if !errors.As(err, &de) || de.Code != CodeMalformed {
				t.Fatalf("got %v, want a malformed error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
		})
	}
}
