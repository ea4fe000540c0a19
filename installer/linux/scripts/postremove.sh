#!/bin/sh
# Runs after the files are removed. dpkg calls it as "postrm remove",
# "postrm purge" or "postrm upgrade NEW_VERSION", and rpm as "%postun N", with
# N=0 on removal and N=1 on upgrade. A removal reloads systemd so that it
# drops the deleted unit. A purge (dpkg only) also deletes the state directory,
# which holds the device credential, and the enrollment token.
set -e

state_dir=/var/lib/parapet-agent

systemd_running() {
	[ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

case "$1" in
remove | purge | 0) ;;
*) exit 0 ;;
esac

if systemd_running; then
	systemctl daemon-reload
fi

if [ "$1" = purge ]; then
	rm -rf "$state_dir"
	rm -f /etc/parapet/enroll-token /etc/parapet/server-ca.pem
	rmdir /etc/parapet 2>/dev/null || true
fi
