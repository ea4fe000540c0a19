#!/bin/sh
# Runs before the files are removed. dpkg calls it as "prerm remove" (also
# before a purge) or "prerm upgrade NEW_VERSION", and rpm as "%preun N", with
# N=0 on removal and N=1 on upgrade. Only a removal stops and disables the
# service, because on upgrade the new package's postinstall restarts it.
set -e

unit=parapet-agent.service

systemd_running() {
	[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

case "$1" in
remove | 0) ;;
*) exit 0 ;;
esac

if systemd_running; then
	# A failed stop or disable must not block the removal, so both only warn.
	if ! systemctl stop "$unit"; then
		echo "parapet-agent: systemctl stop $unit failed; continuing the removal." >&2
	fi
	if ! systemctl disable "$unit"; then
		echo "parapet-agent: systemctl disable $unit failed; continuing the removal." >&2
	fi
fi
