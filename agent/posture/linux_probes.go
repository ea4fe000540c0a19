package posture

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
)

// This file holds the Linux probes. It has no build constraint, so the
// parsers run on fixtures in the tests of every OS.

// linuxDiskEncryption reports whether the root file system sits on a
// dm-crypt device: the device itself, or one it is stacked on (LVM on
// LUKS), has a device-mapper uuid starting with "CRYPT-". It reads sysfs
// and falls back to "lsblk -s" when sysfs does not describe the device.
func linuxDiskEncryption(ctx context.Context, sys System) Check {
	data, err := sys.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return unknown(fmt.Sprintf("reading /proc/self/mountinfo: %v", err))
	}
	root, ok := parseRootMount(string(data))
	if !ok {
		return unknown("no root mount in /proc/self/mountinfo")
	}
	if !strings.HasPrefix(root.majorMinor, "0:") {
		if c, ok := sysfsCrypt(sys, root); ok {
			return c
		}
	}
	if !strings.HasPrefix(root.source, "/dev/") {
		return unknown(fmt.Sprintf("root file system is %s from %q, not a block device", root.fsType, root.source))
	}
	out, err := sys.Run(ctx, "lsblk", "-n", "-s", "-o", "NAME,TYPE", root.source)
	if err != nil {
		return unknown(commandProblem("lsblk", out, err))
	}
	return parseLsblkCrypt(string(out), root.source)
}

type rootMount struct {
	majorMinor, fsType, source string
}

// parseRootMount returns the last mount of "/" in mountinfo text, which is
// the one that is visible.
func parseRootMount(mountinfo string) (rootMount, bool) {
	var root rootMount
	found := false
	for _, line := range strings.Split(mountinfo, "\n") {
		before, after, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f := strings.Fields(before)
		g := strings.Fields(after)
		if len(f) < 5 || len(g) < 2 || f[4] != "/" {
			continue
		}
		root = rootMount{majorMinor: f[2], fsType: g[0], source: g[1]}
		found = true
	}
	return root, found
}

// sysfsCrypt walks the device stack under the root device and returns
// false when sysfs does not describe the device.
func sysfsCrypt(sys System, root rootMount) (Check, bool) {
	top := "/sys/dev/block/" + root.majorMinor
	if _, err := sys.ReadFile(top + "/dev"); err != nil {
		return Check{}, false
	}
	queue := []string{top}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < 64 {
		dir := queue[0]
		queue = queue[1:]
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if uuid, err := sys.ReadFile(dir + "/dm/uuid"); err == nil {
			if kind, ok := cryptKind(strings.TrimSpace(string(uuid))); ok {
				name := path.Base(dir)
				if n, err := sys.ReadFile(dir + "/dm/name"); err == nil {
					name = strings.TrimSpace(string(n))
				}
				return enabled(fmt.Sprintf("root file system %s is on dm-crypt device %s (%s)", root.source, name, kind)), true
			}
		}
		slaves, _ := sys.Glob(dir + "/slaves/*")
		for _, s := range slaves {
			queue = append(queue, "/sys/class/block/"+path.Base(s))
		}
	}
	return disabled(fmt.Sprintf("no dm-crypt device under the root file system %s", root.source)), true
}

// cryptKind returns the format in a dm-crypt uuid such as
// "CRYPT-LUKS2-0a1b…-luks-0a1b…".
func cryptKind(uuid string) (string, bool) {
	rest, ok := strings.CutPrefix(uuid, "CRYPT-")
	if !ok {
		return "", false
	}
	kind, _, _ := strings.Cut(rest, "-")
	return kind, true
}

// parseLsblkCrypt reads "lsblk -n -s -o NAME,TYPE DEVICE", which lists the
// device and every device below it.
func parseLsblkCrypt(out, source string) Check {
	lines := 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		lines++
		if f[len(f)-1] == "crypt" {
			name := strings.TrimLeft(f[0], "`|-└─├│ ")
			return enabled(fmt.Sprintf("root file system %s is on dm-crypt device %s", source, name))
		}
	}
	if lines == 0 {
		return unknown("lsblk listed no devices for " + source)
	}
	return disabled(fmt.Sprintf("no dm-crypt device under the root file system %s", source))
}

// linuxFirewall runs ufw, firewalld, nftables and iptables in that order.
// The first that filters incoming traffic decides. It returns disabled
// when at least one tool reported a state and none filters, and unknown
// when no tool reported one.
func linuxFirewall(ctx context.Context, sys System) Check {
	tools := []struct {
		name  string
		args  []string
		parse func(string) (Check, bool)
	}{
		{"ufw", []string{"status"}, parseUfw},
		{"firewall-cmd", []string{"--state"}, parseFirewalld},
		{"nft", []string{"list", "ruleset"}, parseNftRuleset},
		{"iptables", []string{"-S", "INPUT"}, parseIptables},
	}
	var off, problems []string
	for _, tool := range tools {
		out, err := sys.Run(ctx, tool.name, tool.args...)
		c, ok := tool.parse(string(out))
		if err != nil && !(ok && c.State == StateDisabled && tool.name == "firewall-cmd") {
			// firewall-cmd --state exits non-zero when firewalld is not
			// running, which is still a usable state.
			problems = append(problems, commandProblem(tool.name, out, err))
			continue
		}
		if !ok {
			problems = append(problems, tool.name+": unrecognized output: "+firstLine(string(out)))
			continue
		}
		if c.State == StateEnabled {
			return c
		}
		off = append(off, c.Detail)
	}
	if len(off) > 0 {
		return disabled(strings.Join(off, "; "))
	}
	return unknown(strings.Join(problems, "; "))
}

func parseUfw(out string) (Check, bool) {
	for _, line := range strings.Split(out, "\n") {
		switch strings.TrimSpace(line) {
		case "Status: active":
			return enabled("ufw: active"), true
		case "Status: inactive":
			return disabled("ufw: inactive"), true
		}
	}
	return Check{}, false
}

func parseFirewalld(out string) (Check, bool) {
	switch strings.TrimSpace(out) {
	case "running":
		return enabled("firewalld: running"), true
	case "not running":
		return disabled("firewalld: not running"), true
	}
	return Check{}, false
}

var nftChainStart = regexp.MustCompile(`^\s*chain\s+(\S+)\s*\{`)

// parseNftRuleset looks for a base chain on the input hook that drops by
// policy or holds at least one rule.
func parseNftRuleset(out string) (Check, bool) {
	var chain string
	inputHook, rules, drop := false, 0, false
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if m := nftChainStart.FindStringSubmatch(line); m != nil {
			chain, inputHook, rules, drop = m[1], false, 0, false
			continue
		}
		if chain == "" {
			continue
		}
		switch {
		case t == "}":
			if inputHook && (drop || rules > 0) {
				return enabled(fmt.Sprintf("nftables: input chain %s has %d rules, policy %s", chain, rules, policyName(drop))), true
			}
			chain = ""
		case strings.HasPrefix(t, "type ") && strings.Contains(t, "hook input"):
			inputHook = true
			drop = strings.Contains(t, "policy drop")
		case t != "":
			rules++
		}
	}
	return disabled("nftables: no filtering input chain"), true
}

func policyName(drop bool) string {
	if drop {
		return "drop"
	}
	return "accept"
}

// parseIptables reads "iptables -S INPUT".
func parseIptables(out string) (Check, bool) {
	policy, rules := "", 0
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "-P" && f[1] == "INPUT":
			policy = f[2]
		case len(f) >= 2 && f[0] == "-A" && f[1] == "INPUT":
			rules++
		}
	}
	if policy == "" {
		return Check{}, false
	}
	if policy != "ACCEPT" || rules > 0 {
		return enabled(fmt.Sprintf("iptables: INPUT has %d rules, policy %s", rules, policy)), true
	}
	return disabled("iptables: INPUT accepts everything"), true
}

// linuxScreenLock is best effort: it reads GNOME's settings through
// gsettings, then looks for a running light-locker or xscreensaver.
// NOTE: the agent service runs as root, so gsettings reads root's
// settings, not those of the user at the screen. Reading the session
// user's dconf database would fix that.
func linuxScreenLock(ctx context.Context, sys System) Check {
	var problems []string
	// Without a GNOME session, gsettings returns the schema defaults, which
	// do not describe this machine.
	if _, err := sys.Run(ctx, "pgrep", "-x", "gnome-shell"); err != nil {
		problems = append(problems, "no gnome-shell process")
	} else if c, problem := gnomeScreenLock(ctx, sys); problem == "" {
		return c
	} else {
		problems = append(problems, problem)
	}
	for _, locker := range []string{"light-locker", "xscreensaver"} {
		if _, err := sys.Run(ctx, "pgrep", "-x", locker); err == nil {
			return enabled(locker + " is running")
		}
	}
	problems = append(problems, "no light-locker or xscreensaver process")
	return unknown(strings.Join(problems, "; "))
}

// gnomeScreenLock returns the GNOME lock setting, or a problem when
// gsettings fails or prints something unexpected.
func gnomeScreenLock(ctx context.Context, sys System) (Check, string) {
	out, err := sys.Run(ctx, "gsettings", "get", "org.gnome.desktop.screensaver", "lock-enabled")
	if err != nil {
		return Check{}, commandProblem("gsettings", out, err)
	}
	delay, err := sys.Run(ctx, "gsettings", "get", "org.gnome.desktop.session", "idle-delay")
	if err != nil {
		delay = nil
	}
	c, ok := parseGnomeLock(string(out), string(delay))
	if !ok {
		return Check{}, "gsettings: unrecognized output: " + firstLine(string(out))
	}
	return c, ""
}

// parseGnomeLock reads "true"/"false" from lock-enabled and, when known,
// "uint32 SECONDS" from idle-delay, where 0 means the screen never idles.
func parseGnomeLock(lock, delay string) (Check, bool) {
	switch strings.TrimSpace(lock) {
	case "false":
		return disabled("GNOME: screen lock off"), true
	case "true":
	default:
		return Check{}, false
	}
	f := strings.Fields(delay)
	if len(f) == 2 && f[0] == "uint32" {
		if f[1] == "0" {
			return disabled("GNOME: screen lock on, but the screen never idles (idle-delay 0)"), true
		}
		return enabled("GNOME: screen lock after " + f[1] + " s idle"), true
	}
	return enabled("GNOME: screen lock on"), true
}

var aptPeriodic = regexp.MustCompile(`APT::Periodic::Unattended-Upgrade\s+"([^"]*)"\s*;`)

// linuxAutoUpdates reads the APT settings of unattended-upgrades and, on
// RPM systems, dnf-automatic's config.
func linuxAutoUpdates(ctx context.Context, sys System) Check {
	files, _ := sys.Glob("/etc/apt/apt.conf.d/*")
	if len(files) > 0 {
		contents := make([]string, 0, len(files))
		for _, f := range files {
			if data, err := sys.ReadFile(f); err == nil {
				contents = append(contents, string(data))
			}
		}
		installed, _ := sys.Glob("/usr/bin/unattended-upgrade")
		return parseAptAutoUpdates(contents, len(installed) > 0)
	}
	conf, err := sys.ReadFile("/etc/dnf/automatic.conf")
	if err != nil {
		return unknown("neither APT (/etc/apt/apt.conf.d) nor dnf-automatic (/etc/dnf/automatic.conf) found")
	}
	var timers []string
	for _, timer := range []string{"dnf-automatic.timer", "dnf-automatic-install.timer"} {
		out, _ := sys.Run(ctx, "systemctl", "is-enabled", timer)
		if strings.TrimSpace(string(out)) == "enabled" {
			timers = append(timers, timer)
		}
	}
	return parseDnfAutomatic(string(conf), timers)
}

// parseAptAutoUpdates applies the files in the order APT reads them, so
// the last setting wins.
func parseAptAutoUpdates(files []string, installed bool) Check {
	value := ""
	for _, f := range files {
		for _, line := range strings.Split(f, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			if m := aptPeriodic.FindStringSubmatch(line); m != nil {
				value = m[1]
			}
		}
	}
	switch {
	case !installed:
		return disabled("unattended-upgrades is not installed")
	case value == "":
		return disabled("APT::Periodic::Unattended-Upgrade is not set")
	case value == "0":
		return disabled(`APT::Periodic::Unattended-Upgrade is "0"`)
	}
	return enabled(fmt.Sprintf("unattended-upgrades runs every %s days", value))
}

func parseDnfAutomatic(conf string, enabledTimers []string) Check {
	apply := false
	for _, line := range strings.Split(conf, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "apply_updates" {
			v = strings.ToLower(strings.TrimSpace(v))
			apply = v == "yes" || v == "true" || v == "1"
		}
	}
	switch {
	case slices.Contains(enabledTimers, "dnf-automatic-install.timer"):
		return enabled("dnf-automatic-install.timer is enabled")
	case len(enabledTimers) > 0 && apply:
		return enabled("dnf-automatic.timer is enabled with apply_updates = yes")
	case len(enabledTimers) > 0:
		return disabled("dnf-automatic downloads updates but apply_updates is off")
	}
	return disabled("no dnf-automatic timer is enabled")
}
