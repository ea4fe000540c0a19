package posture

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"sort"
	"strings"
	"testing"
)

// fakeSystem serves command output and files from maps. A command missing
// from cmds fails like a command that is not installed.
type fakeSystem struct {
	cmds  map[string]fakeRun
	files map[string]string
}

type fakeRun struct {
	out string
	err error
}

var errExit = errors.New("exit status 1")

func (f fakeSystem) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	r, ok := f.cmds[line]
	if !ok {
		return nil, fmt.Errorf("running %s: %w", name, exec.ErrNotFound)
	}
	return []byte(r.out), r.err
}

func (f fakeSystem) ReadFile(p string) ([]byte, error) {
	if s, ok := f.files[p]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("open %s: no such file or directory", p)
}

func (f fakeSystem) Glob(pattern string) ([]string, error) {
	var out []string
	for p := range f.files {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

const (
	mountExt4  = "22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n"
	mountDM    = "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
	mountBtrfs = "22 1 0:27 / / rw,relatime shared:1 - btrfs /dev/mapper/luks-1 rw\n"
	mountOver  = "500 400 0:120 / / rw,relatime - overlay overlay rw,lowerdir=/l\n"
)

func TestLinuxDiskEncryption(t *testing.T) {
	cases := []struct {
		name   string
		sys    fakeSystem
		state  State
		detail string
	}{
		{"plain partition", fakeSystem{files: map[string]string{
			"/proc/self/mountinfo":   mountExt4,
			"/sys/dev/block/8:2/dev": "8:2",
		}}, StateDisabled, "no dm-crypt device"},
		{"lvm on luks", fakeSystem{files: map[string]string{
			"/proc/self/mountinfo":                   mountDM,
			"/sys/dev/block/253:1/dev":               "253:1",
			"/sys/dev/block/253:1/dm/uuid":           "LVM-abc",
			"/sys/dev/block/253:1/slaves/dm-0":       "",
			"/sys/class/block/dm-0/dm/uuid":          "CRYPT-LUKS2-0a1b2c-luks-0a1b2c\n",
			"/sys/class/block/dm-0/dm/name":          "luks-0a1b2c\n",
			"/sys/class/block/dm-0/slaves/nvme0n1p3": "",
		}}, StateEnabled, "luks-0a1b2c (LUKS2)"},
		{"lvm without crypt", fakeSystem{files: map[string]string{
			"/proc/self/mountinfo":             mountDM,
			"/sys/dev/block/253:1/dev":         "253:1",
			"/sys/dev/block/253:1/dm/uuid":     "LVM-abc",
			"/sys/dev/block/253:1/slaves/sda3": "",
		}}, StateDisabled, "no dm-crypt device"},
		{"btrfs through lsblk", fakeSystem{
			files: map[string]string{"/proc/self/mountinfo": mountBtrfs},
			cmds: map[string]fakeRun{"lsblk -n -s -o NAME,TYPE /dev/mapper/luks-1": {
				out: "luks-1      crypt\n└─nvme0n1p3 part\n  └─nvme0n1 disk\n"}},
		}, StateEnabled, "dm-crypt device luks-1"},
		{"lsblk without crypt", fakeSystem{
			files: map[string]string{"/proc/self/mountinfo": mountBtrfs},
			cmds: map[string]fakeRun{"lsblk -n -s -o NAME,TYPE /dev/mapper/luks-1": {
				out: "sda2 part\n└─sda disk\n"}},
		}, StateDisabled, "no dm-crypt device"},
		{"overlay root", fakeSystem{files: map[string]string{"/proc/self/mountinfo": mountOver}}, StateUnknown, "overlay"},
		{"no lsblk", fakeSystem{files: map[string]string{"/proc/self/mountinfo": mountBtrfs}}, StateUnknown, "lsblk: not installed"},
		{"no mountinfo", fakeSystem{}, StateUnknown, "mountinfo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := linuxDiskEncryption(context.Background(), c.sys)
			checkResult(t, got, c.state, c.detail)
		})
	}
}

// checkResult compares a check's state and looks for want in its detail
// or, for unknown, in its reason.
func checkResult(t *testing.T, got Check, state State, want string) {
	t.Helper()
	if got.State != state {
		t.Errorf("got state %s (%+v), want %s", got.State, got, state)
	}
	text := got.Detail
	if state == StateUnknown {
		text = got.Reason
		if got.Reason == "" {
			t.Error("got unknown without a reason")
		}
	}
	if !strings.Contains(text, want) {
		t.Errorf("got %q, want it to contain %q", text, want)
	}
}

const nftFiltering = `table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
	}
}
`

const nftEmpty = `table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
	}
}
`

func TestLinuxFirewall(t *testing.T) {
	cases := []struct {
		name  string
		cmds  map[string]fakeRun
		state State
		want  string
	}{
		{"ufw active", map[string]fakeRun{"ufw status": {out: "Status: active\n\nTo Action From\n"}}, StateEnabled, "ufw: active"},
		{"firewalld running", map[string]fakeRun{
			"ufw status": {out: "Status: inactive\n"}, "firewall-cmd --state": {out: "running\n"}}, StateEnabled, "firewalld"},
		{"nft drop policy", map[string]fakeRun{
			"ufw status": {out: "Status: inactive\n"}, "firewall-cmd --state": {out: "not running\n", err: errExit},
			"nft list ruleset": {out: nftFiltering}}, StateEnabled, "input chain input has 2 rules, policy drop"},
		{"nft accepts all", map[string]fakeRun{"nft list ruleset": {out: nftEmpty},
			"iptables -S INPUT": {out: "-P INPUT ACCEPT\n"}}, StateDisabled, "nftables: no filtering input chain; iptables: INPUT accepts everything"},
		{"iptables rules", map[string]fakeRun{"iptables -S INPUT": {out: "-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j DROP\n"}},
			StateEnabled, "INPUT has 2 rules"},
		{"nft needs root", map[string]fakeRun{"nft list ruleset": {out: "Operation not permitted\n", err: errExit}},
			StateUnknown, "nft: exit status 1: Operation not permitted"},
		{"no tools", nil, StateUnknown, "ufw: not installed; firewall-cmd: not installed; nft: not installed; iptables: not installed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := linuxFirewall(context.Background(), fakeSystem{cmds: c.cmds})
			checkResult(t, got, c.state, c.want)
		})
	}
}

func TestLinuxScreenLock(t *testing.T) {
	lock := "gsettings get org.gnome.desktop.screensaver lock-enabled"
	delay := "gsettings get org.gnome.desktop.session idle-delay"
	shell := "pgrep -x gnome-shell"
	running := fakeRun{out: "812\n"}
	cases := []struct {
		name  string
		cmds  map[string]fakeRun
		state State
		want  string
	}{
		{"gnome on", map[string]fakeRun{shell: running, lock: {out: "true\n"}, delay: {out: "uint32 300\n"}}, StateEnabled, "after 300 s"},
		{"gnome never idles", map[string]fakeRun{shell: running, lock: {out: "true\n"}, delay: {out: "uint32 0\n"}}, StateDisabled, "never idles"},
		{"gnome off", map[string]fakeRun{shell: running, lock: {out: "false\n"}}, StateDisabled, "screen lock off"},
		{"gnome defaults without session", map[string]fakeRun{shell: {err: errExit}, lock: {out: "true\n"}}, StateUnknown, "no gnome-shell process"},
		{"gnome without gsettings", map[string]fakeRun{shell: running}, StateUnknown, "gsettings: not installed"},
		{"light-locker", map[string]fakeRun{"pgrep -x light-locker": {out: "1234\n"}}, StateEnabled, "light-locker is running"},
		{"nothing", map[string]fakeRun{"pgrep -x light-locker": {err: errExit}}, StateUnknown, "no light-locker or xscreensaver"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := linuxScreenLock(context.Background(), fakeSystem{cmds: c.cmds})
			checkResult(t, got, c.state, c.want)
		})
	}
}

func TestLinuxAutoUpdates(t *testing.T) {
	cases := []struct {
		name  string
		sys   fakeSystem
		state State
		want  string
	}{
		{"apt on", fakeSystem{files: map[string]string{
			"/etc/apt/apt.conf.d/20auto-upgrades": "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n",
			"/usr/bin/unattended-upgrade":         "",
		}}, StateEnabled, "every 1 days"},
		{"apt later file wins", fakeSystem{files: map[string]string{
			"/etc/apt/apt.conf.d/20auto-upgrades": "APT::Periodic::Unattended-Upgrade \"1\";\n",
			"/etc/apt/apt.conf.d/99local":         "APT::Periodic::Unattended-Upgrade \"0\";\n",
			"/usr/bin/unattended-upgrade":         "",
		}}, StateDisabled, `is "0"`},
		{"apt comment ignored", fakeSystem{files: map[string]string{
			"/etc/apt/apt.conf.d/20auto-upgrades": "// APT::Periodic::Unattended-Upgrade \"1\";\n",
			"/usr/bin/unattended-upgrade":         "",
		}}, StateDisabled, "not set"},
		{"apt not installed", fakeSystem{files: map[string]string{
			"/etc/apt/apt.conf.d/70debconf": "DPkg::Pre-Install-Pkgs {};\n",
		}}, StateDisabled, "not installed"},
		{"dnf install timer", fakeSystem{
			files: map[string]string{"/etc/dnf/automatic.conf": "[commands]\napply_updates = no\n"},
			cmds:  map[string]fakeRun{"systemctl is-enabled dnf-automatic-install.timer": {out: "enabled\n"}},
		}, StateEnabled, "dnf-automatic-install.timer"},
		{"dnf download only", fakeSystem{
			files: map[string]string{"/etc/dnf/automatic.conf": "[commands]\napply_updates = no\n"},
			cmds:  map[string]fakeRun{"systemctl is-enabled dnf-automatic.timer": {out: "enabled\n"}},
		}, StateDisabled, "apply_updates is off"},
		{"dnf apply", fakeSystem{
			files: map[string]string{"/etc/dnf/automatic.conf": "[commands]\napply_updates = yes\n"},
			cmds:  map[string]fakeRun{"systemctl is-enabled dnf-automatic.timer": {out: "enabled\n"}},
		}, StateEnabled, "apply_updates = yes"},
		{"neither", fakeSystem{}, StateUnknown, "neither APT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := linuxAutoUpdates(context.Background(), c.sys)
			checkResult(t, got, c.state, c.want)
		})
	}
}

func TestMacProbes(t *testing.T) {
	fde := "/usr/bin/fdesetup status"
	fw := "/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate"
	lock := "/usr/sbin/sysadminctl -screenLock status"
	su := "/usr/sbin/softwareupdate --schedule"
	cases := []struct {
		name  string
		probe probe
		cmds  map[string]fakeRun
		state State
		want  string
	}{
		{"filevault on", macDiskEncryption, map[string]fakeRun{fde: {out: "FileVault is On.\n"}}, StateEnabled, "FileVault: on"},
		{"filevault off", macDiskEncryption, map[string]fakeRun{fde: {out: "FileVault is Off.\n"}}, StateDisabled, "off"},
		{"filevault encrypting", macDiskEncryption, map[string]fakeRun{fde: {out: "Encryption in progress: Percent completed = 42\n"}}, StateEnabled, "in progress"},
		{"filevault garbled", macDiskEncryption, map[string]fakeRun{fde: {out: "huh\n"}}, StateUnknown, "unrecognized"},
		{"no fdesetup", macDiskEncryption, nil, StateUnknown, "fdesetup: not installed"},
		{"firewall on", macFirewall, map[string]fakeRun{fw: {out: "Firewall is enabled. (State = 1)\n"}}, StateEnabled, "on"},
		{"firewall block all", macFirewall, map[string]fakeRun{fw: {out: "Firewall is blocking all non-essential incoming connections. (State = 2)\n"}}, StateEnabled, "blocking all"},
		{"firewall off", macFirewall, map[string]fakeRun{fw: {out: "Firewall is disabled. (State = 0)\n"}}, StateDisabled, "off"},
		{"lock delay", macScreenLock, map[string]fakeRun{lock: {out: "2026-12-03 10:00:00.000 sysadminctl[123:456] screenLock delay is 300 seconds\n"}}, StateEnabled, "delay is 300 seconds"},
		{"lock immediate", macScreenLock, map[string]fakeRun{lock: {out: "2026-12-03 10:00:00.000 sysadminctl[1:2] screenLock is immediate\n"}}, StateEnabled, "immediate"},
		{"lock off", macScreenLock, map[string]fakeRun{lock: {out: "2026-12-03 10:00:00.000 sysadminctl[1:2] screenLock is off\n"}}, StateDisabled, "off"},
		{"lock no user", macScreenLock, map[string]fakeRun{lock: {out: "sysadminctl: no console user\n"}}, StateUnknown, "unrecognized"},
		{"updates on", macAutoUpdates, map[string]fakeRun{su: {out: "Automatic check is on\n"}}, StateEnabled, "on"},
		{"updates on older", macAutoUpdates, map[string]fakeRun{su: {out: "Automatic checking for updates is turned on\n"}}, StateEnabled, "on"},
		{"updates off", macAutoUpdates, map[string]fakeRun{su: {out: "Automatic check is off\n"}}, StateDisabled, "off"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.probe(context.Background(), fakeSystem{cmds: c.cmds})
			checkResult(t, got, c.state, c.want)
		})
	}
}

const manageBdeOn = `BitLocker Drive Encryption: Configuration Tool version 10.0.19041
Copyright (C) 2013 Microsoft Corporation. All rights reserved.

Volume C: [Windows]
[OS Volume]

    Size:                 237.90 GB
    BitLocker Version:    2.0
    Conversion Status:    Used Space Only Encrypted
    Percentage Encrypted: 100.0%
    Encryption Method:    XTS-AES 128
    Protection Status:    Protection On
    Lock Status:          Unlocked
`

const netshMixed = `
Domain Profile Settings:
----------------------------------------------------------------------
State                                 ON

Private Profile Settings:
----------------------------------------------------------------------
State                                 OFF

Public Profile Settings:
----------------------------------------------------------------------
State                                 ON
Ok.
`

func TestWindowsProbes(t *testing.T) {
	bde := "manage-bde -status C:"
	netsh := "netsh advfirewall show allprofiles state"
	idle := `reg query HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System /v InactivityTimeoutSecs`
	au := `reg query HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU /v NoAutoUpdate`
	missing := fakeRun{out: "ERROR: The system was unable to find the specified registry key or value.\n", err: errExit}
	cases := []struct {
		name  string
		probe probe
		cmds  map[string]fakeRun
		state State
		want  string
	}{
		{"bitlocker on", windowsDiskEncryption, map[string]fakeRun{bde: {out: manageBdeOn}}, StateEnabled, "protection on for C:"},
		{"bitlocker off", windowsDiskEncryption, map[string]fakeRun{bde: {out: strings.Replace(manageBdeOn, "Protection On", "Protection Off", 1)}}, StateDisabled, "protection off"},
		{"bitlocker localized", windowsDiskEncryption, map[string]fakeRun{bde: {out: "Schutzstatus: Der Schutz ist aktiviert.\n"}}, StateUnknown, "no Protection Status"},
		{"bitlocker needs admin", windowsDiskEncryption, map[string]fakeRun{bde: {out: "ERROR: An attempt to access a required resource was denied.\n", err: errExit}}, StateUnknown, "access"},
		{"firewall all on", windowsFirewall, map[string]fakeRun{netsh: {out: strings.Replace(netshMixed, "OFF", "ON", 1)}}, StateEnabled, "Domain, Private, Public"},
		{"firewall private off", windowsFirewall, map[string]fakeRun{netsh: {out: netshMixed}}, StateDisabled, "off for Private"},
		{"firewall empty", windowsFirewall, map[string]fakeRun{netsh: {out: "Ok.\n"}}, StateUnknown, "no profile state"},
		{"inactivity limit", windowsScreenLock, map[string]fakeRun{idle: {out: "\nHKEY_LOCAL_MACHINE\\...\\System\n    InactivityTimeoutSecs    REG_DWORD    0x384\n"}}, StateEnabled, "after 900 s"},
		{"inactivity zero", windowsScreenLock, map[string]fakeRun{idle: {out: "    InactivityTimeoutSecs    REG_DWORD    0x0\n"}}, StateDisabled, "is 0"},
		{"inactivity unset", windowsScreenLock, map[string]fakeRun{idle: missing}, StateUnknown, "no machine inactivity limit"},
		{"updates default", windowsAutoUpdates, map[string]fakeRun{au: missing}, StateEnabled, "NoAutoUpdate not set"},
		{"updates disabled", windowsAutoUpdates, map[string]fakeRun{au: {out: "    NoAutoUpdate    REG_DWORD    0x1\n"}}, StateDisabled, "NoAutoUpdate is set"},
		{"no reg", windowsAutoUpdates, nil, StateUnknown, "reg: not installed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.probe(context.Background(), fakeSystem{cmds: c.cmds})
			checkResult(t, got, c.state, c.want)
		})
	}
}
