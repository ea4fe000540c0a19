package main

import (
	"fmt"
	"strings"

	"github.com/kardianos/service"
)

// serviceName is the systemd unit name without ".service". The packages in
// installer/linux install a unit of the same name.
const serviceName = "parapet-agent"

// serviceDescription matches the Description of the packaged unit.
const serviceDescription = "Parapet agent: checks browser actions in protected web apps with parapet-server"

// platformOptions returns the systemd settings for the installed unit.
// kardianos/service v1.3.0 hard-codes RestartSec=120 in its built-in
// template, so the agent passes a template of its own through SystemdScript.
func platformOptions(s unitSettings) (service.KeyValue, error) {
	script, err := systemdUnit(s.writablePaths)
	if err != nil {
		return nil, err
	}
	return service.KeyValue{"Restart": "always", "SystemdScript": script}, nil
}

// prepareInstall has nothing to do on Linux: systemd creates the state
// folder through StateDirectory.
func prepareInstall(unitSettings) error { return nil }

// systemdUnit returns the unit template that install renders, in the
// template syntax of kardianos/service v1.3.0. It sets the same directives
// as installer/linux/parapet-agent.service (a test compares the two), so an
// agent installed by "parapet-agent install" runs like one from a package.
// writable lists the folders the agent must write, which ProtectSystem=strict
// would otherwise make read-only.
func systemdUnit(writable []string) (string, error) {
	quoted := make([]string, 0, len(writable))
	for _, p := range writable {
		q, err := systemdPath(p)
		if err != nil {
			return "", err
		}
		quoted = append(quoted, q)
	}
	var b strings.Builder
	b.WriteString(`[Unit]
Description={{Description}}
Wants=network-online.target
After=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
Restart={{Restart}}
RestartSec=2s
{{if SuccessExitStatus}}SuccessExitStatus={{SuccessExitStatus}}
{{end}}UMask=0077
StateDirectory=parapet-agent
StateDirectoryMode=0700
`)
	fmt.Fprintf(&b, "ReadWritePaths=%s\n", strings.Join(quoted, " "))
	b.WriteString(`CapabilityBoundingSet=CAP_DAC_READ_SEARCH
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM
{{range EnvVars}}{{.}}
{{end}}
[Install]
WantedBy=multi-user.target
`)
	return b.String(), nil
}

// systemdPath quotes p for a path list in a unit file: "%" starts a systemd
// specifier, and whitespace or quotes need double quotes around the path.
func systemdPath(p string) (string, error) {
	if strings.Contains(p, "{{") || strings.ContainsAny(p, "\n\r") {
		return "", fmt.Errorf("path %q cannot be written into the systemd unit: it contains a line break or {{", p)
	}
	p = strings.ReplaceAll(p, "%", "%%")
	if !strings.ContainsAny(p, " \t\"'\\") {
		return p, nil
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(p) + `"`, nil
}
