package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kardianos/service"
)

// serviceName is the launchd label. The job in installer/macos uses the same
// label, so both install paths manage one job.
const serviceName = "parapet.agent"

const serviceDescription = "Parapet agent: checks browser actions in protected web apps with parapet-server"

// launchdLog receives the agent's stdout and stderr, as in the packaged job.
const launchdLog = "/Library/Logs/Parapet/agent.log"

// platformOptions returns the launchd settings. The custom plist adds
// ThrottleInterval and Umask, which the built-in template of
// kardianos/service v1.3.0 cannot set, and matches installer/macos/parapet.agent.plist.
func platformOptions(unitSettings) (service.KeyValue, error) {
	return service.KeyValue{"KeepAlive": true, "RunAtLoad": true, "LaunchdConfig": launchdPlist}, nil
}

// prepareInstall creates the log folder, because launchd does not create
// the folder of StandardOutPath.
func prepareInstall(unitSettings) error {
	if err := os.MkdirAll(filepath.Dir(launchdLog), 0o755); err != nil {
		return fmt.Errorf("creating the log folder: %w", err)
	}
	return nil
}

// launchdPlist is a launchd job in the template syntax of kardianos/service
// v1.3.0. launchd restarts the job at most every ThrottleInterval seconds,
// and Umask 63 is 0077.
const launchdPlist = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>{{Name | html}}</string>
	<key>ProgramArguments</key>
	<array>
		<string>{{Path | html}}</string>
{{range Arguments}}		<string>{{. | html}}</string>
{{end}}	</array>
	<key>RunAtLoad</key>
	<{{RunAtLoad}}/>
	<key>KeepAlive</key>
	<{{KeepAlive}}/>
	<key>ThrottleInterval</key>
	<integer>2</integer>
	<key>Umask</key>
	<integer>63</integer>
	<key>StandardOutPath</key>
	<string>` + launchdLog + `</string>
	<key>StandardErrorPath</key>
	<string>` + launchdLog + `</string>
</dict>
</plist>
`
