package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, 0, "parapet-agent "},
		{[]string{"--help"}, 0, "Commands:"},
		{[]string{"run", "--help"}, 0, "-server-url"},
		{[]string{"version", "--help"}, 0, "Print the agent's version."},
		{[]string{}, 2, "Usage:"},
		{[]string{"uninstal"}, 2, `unknown command "uninstal"`},
		{[]string{"install", "--help"}, 0, "upgrades"},
		{[]string{"uninstall", "--help"}, 0, "remove it"},
		{[]string{"start", "--help"}, 0, "Start the installed OS service."},
		{[]string{"stop", "--help"}, 0, "Stop the OS service."},
		{[]string{"restart", "--help"}, 0, "Restart the OS service."},
		{[]string{"status", "--help"}, 0, "3: stopped"},
		{[]string{"install", "--config", "/nonexistent/agent.yaml"}, 2, "Write the config file first"},
		{[]string{"status", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"run", "--state-dir", "/tmp/x"}, 2, "server_url: missing"},
		{[]string{"run", "--server-url", "https://127.0.0.1:8443", "--state-dir", "/tmp/x", "--bridge-listen", "0.0.0.0:47801"}, 2, "bridge_listen"},
		{[]string{"run", "--config", "/nonexistent/agent.yaml"}, 2, "reading config"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			code := run(c.args, &out, &out)
			if code != c.code {
				t.Errorf("got exit code %d, want %d; output:\n%s", code, c.code, out.String())
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("got output %q, want it to contain %q", out.String(), c.out)
			}
		})
	}
}
