package posture

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// This file holds the Windows probes. It has no build constraint, so the
// parsers run on fixtures in the tests of every OS.
// NOTE: manage-bde and netsh print localized text. The parsers read the
// English output and report unknown for other languages.

func windowsDiskEncryption(ctx context.Context, sys System) Check {
	drive := "C:"
	out, err := sys.Run(ctx, "manage-bde", "-status", drive)
	if err != nil {
		return unknown(commandProblem("manage-bde", out, err))
	}
	return parseManageBde(string(out), drive)
}

// parseManageBde reads the "Protection Status" line of "manage-bde -status
// C:", which is "Protection On" or "Protection Off".
func parseManageBde(out, drive string) Check {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) != "Protection Status" {
			continue
		}
		switch strings.TrimSpace(v) {
		case "Protection On":
			return enabled("BitLocker: protection on for " + drive)
		case "Protection Off":
			return disabled("BitLocker: protection off for " + drive)
		}
	}
	return unknown("manage-bde: no Protection Status line for " + drive)
}

func windowsFirewall(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "netsh", "advfirewall", "show", "allprofiles", "state")
	if err != nil {
		return unknown(commandProblem("netsh", out, err))
	}
	return parseNetshFirewall(string(out))
}

// parseNetshFirewall reads "netsh advfirewall show allprofiles state": a
// "Domain Profile Settings:" header per profile followed by "State ON" or
// "State OFF". The firewall counts as enabled only when every profile is.
func parseNetshFirewall(out string) Check {
	profile := ""
	var on, off []string
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if name, ok := strings.CutSuffix(t, " Profile Settings:"); ok {
			profile = name
			continue
		}
		f := strings.Fields(t)
		if len(f) != 2 || f[0] != "State" || profile == "" {
			continue
		}
		if strings.EqualFold(f[1], "ON") {
			on = append(on, profile)
		} else {
			off = append(off, profile)
		}
	}
	switch {
	case len(off) > 0:
		return disabled("Windows Firewall: off for " + strings.Join(off, ", "))
	case len(on) > 0:
		return enabled("Windows Firewall: on for " + strings.Join(on, ", "))
	}
	return unknown("netsh: no profile state in output")
}

// windowsScreenLock reads the machine inactivity limit policy, after which
// Windows locks the session. The agent runs as LocalSystem, so it cannot
// read the screen saver settings of the user at the screen.
func windowsScreenLock(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "reg", "query",
		`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System`, "/v", "InactivityTimeoutSecs")
	if err != nil && regValueMissing(out) {
		return unknown("no machine inactivity limit policy (InactivityTimeoutSecs) is set, and the service cannot read the user's screen saver settings")
	}
	if err != nil {
		return unknown(commandProblem("reg", out, err))
	}
	seconds, ok := parseRegDword(string(out), "InactivityTimeoutSecs")
	switch {
	case !ok:
		return unknown("reg: unrecognized output: " + firstLine(string(out)))
	case seconds == 0:
		return disabled("machine inactivity limit is 0")
	}
	return enabled(fmt.Sprintf("machine inactivity limit locks after %d s", seconds))
}

// windowsAutoUpdates reads the NoAutoUpdate policy. Without it, Windows
// Update installs updates automatically, which is the Windows default.
func windowsAutoUpdates(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "reg", "query",
		`HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU`, "/v", "NoAutoUpdate")
	if err != nil && regValueMissing(out) {
		return enabled("no policy disables Windows Update (NoAutoUpdate not set)")
	}
	if err != nil {
		return unknown(commandProblem("reg", out, err))
	}
	v, ok := parseRegDword(string(out), "NoAutoUpdate")
	switch {
	case !ok:
		return unknown("reg: unrecognized output: " + firstLine(string(out)))
	case v != 0:
		return disabled("policy NoAutoUpdate is set")
	}
	return enabled("policy NoAutoUpdate is 0")
}

// parseRegDword reads a line "    NAME    REG_DWORD    0x384" of "reg
// query" output.
func parseRegDword(out, name string) (uint64, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != name || f[1] != "REG_DWORD" {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 32)
		return v, err == nil
	}
	return 0, false
}

// regValueMissing reports whether "reg query" failed because the key or
// value does not exist.
func regValueMissing(out []byte) bool {
	return strings.Contains(string(out), "unable to find")
}
