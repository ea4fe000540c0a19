package posture

import (
	"context"
	"strings"
)

// This file holds the macOS probes. It has no build constraint, so the
// parsers run on fixtures in the tests of every OS.

func macDiskEncryption(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "/usr/bin/fdesetup", "status")
	if err != nil {
		return unknown(commandProblem("fdesetup", out, err))
	}
	return parseFdesetup(string(out))
}

// parseFdesetup reads "fdesetup status": "FileVault is On.", "FileVault is
// Off." or a line about encryption or decryption in progress.
func parseFdesetup(out string) Check {
	line := firstLine(out)
	switch {
	case strings.HasPrefix(line, "FileVault is On"):
		return enabled("FileVault: on")
	case strings.HasPrefix(line, "FileVault is Off"):
		return disabled("FileVault: off")
	case strings.Contains(line, "Encryption in progress"):
		return enabled("FileVault: encryption in progress")
	case strings.Contains(line, "Decryption in progress"):
		return disabled("FileVault: decryption in progress")
	}
	return unknown("fdesetup: unrecognized output: " + line)
}

func macFirewall(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "/usr/libexec/ApplicationFirewall/socketfilterfw", "--getglobalstate")
	if err != nil {
		return unknown(commandProblem("socketfilterfw", out, err))
	}
	return parseSocketfilterfw(string(out))
}

// parseSocketfilterfw reads "socketfilterfw --getglobalstate", which ends
// in "(State = 0)" when off, 1 when on and 2 when it blocks all incoming
// connections.
func parseSocketfilterfw(out string) Check {
	line := firstLine(out)
	switch {
	case strings.Contains(line, "State = 0") || strings.Contains(line, "is disabled"):
		return disabled("application firewall: off")
	case strings.Contains(line, "State = 2"):
		return enabled("application firewall: blocking all incoming connections")
	case strings.Contains(line, "State = 1") || strings.Contains(line, "is enabled"):
		return enabled("application firewall: on")
	}
	return unknown("socketfilterfw: unrecognized output: " + line)
}

// macScreenLock runs sysadminctl, which prints the setting on stderr.
// NOTE: run by the root launchd job, sysadminctl may find no logged-in
// user, and the probe then reports unknown.
func macScreenLock(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "/usr/sbin/sysadminctl", "-screenLock", "status")
	if err != nil {
		return unknown(commandProblem("sysadminctl", out, err))
	}
	return parseSysadminctlScreenLock(string(out))
}

// parseSysadminctlScreenLock finds "screenLock delay is N seconds",
// "screenLock is immediate" or "screenLock is off" in the output, which
// sysadminctl prefixes with a timestamp.
func parseSysadminctlScreenLock(out string) Check {
	for _, line := range strings.Split(out, "\n") {
		_, rest, ok := strings.Cut(line, "screenLock ")
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		switch {
		case rest == "is off":
			return disabled("screen lock: off")
		case rest == "is immediate":
			return enabled("screen lock: immediate")
		case strings.HasPrefix(rest, "delay is "):
			return enabled("screen lock: " + rest)
		}
	}
	return unknown("sysadminctl: unrecognized output: " + firstLine(out))
}

func macAutoUpdates(ctx context.Context, sys System) Check {
	out, err := sys.Run(ctx, "/usr/sbin/softwareupdate", "--schedule")
	if err != nil {
		return unknown(commandProblem("softwareupdate", out, err))
	}
	return parseSoftwareUpdateSchedule(string(out))
}

// parseSoftwareUpdateSchedule reads "softwareupdate --schedule": "Automatic
// check is on" or "Automatic checking for updates is turned on", and the
// same with off.
func parseSoftwareUpdateSchedule(out string) Check {
	for _, line := range strings.Split(out, "\n") {
		l := strings.ToLower(strings.TrimSpace(line))
		if !strings.HasPrefix(l, "automatic check") {
			continue
		}
		switch {
		case strings.HasSuffix(l, " on") || strings.HasSuffix(l, " on."):
			return enabled("softwareupdate: automatic check on")
		case strings.HasSuffix(l, " off") || strings.HasSuffix(l, " off."):
			return disabled("softwareupdate: automatic check off")
		}
	}
	return unknown("softwareupdate: unrecognized output: " + firstLine(out))
}
