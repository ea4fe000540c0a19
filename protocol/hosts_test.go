package protocol

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestMatchHostVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/hosts.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Pattern string `json:"pattern"`
		Host    string `json:"host"`
		Match   bool   `json:"match"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s~%s", c.Pattern, c.Host), func(t *testing.T) {
			if got := MatchHost(c.Pattern, c.Host); got != c.Match {
				t.Errorf("MatchHost(%q, %q) = %v, want %v", c.Pattern, c.Host, got, c.Match)
			}
		})
	}
}
