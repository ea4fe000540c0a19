#!/bin/sh
# Runs after the files are unpacked. dpkg calls it as "postinst configure
# [OLD_VERSION]" and rpm as "%post N", where N is the number of installed
# versions of the package: 1 on install, 2 or more on upgrade.
# On install and upgrade it enables the service and (re)starts it, so an
# upgrade runs the new binary at once.
set -e

unit=parapet-agent.service
state_dir=/var/lib/parapet-agent

# systemd is the init only when /run/systemd/system exists. In a container or
# a chroot, systemctl may be installed while no systemd runs to serve it.
systemd_running() {
	[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

case "$1" in
configure | abort-upgrade | abort-remove | abort-deconfigure | [1-9]*) ;;
*) exit 0 ;;
esac

mkdir -p "$state_dir"
chmod 0700 "$state_dir"

if systemd_running; then
	systemctl daemon-reload
	systemctl enable "$unit"
	systemctl restart "$unit"
else
	echo "parapet-agent: systemd is not running, so the service was not started." >&2
	echo "parapet-agent: start it with: /usr/bin/parapet-agent run --config /etc/parapet/agent.yaml" >&2
fi
