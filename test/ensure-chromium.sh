#!/bin/sh
# Makes sure a Chromium the end-to-end tests and the demo can drive exists.
# As root on Debian or Ubuntu it installs Debian's chromium package;
# elsewhere it prints what to install and exits with status 1.
set -eu

if [ -n "${CHROMIUM_BIN:-}" ] && [ -x "${CHROMIUM_BIN}" ]; then
	exit 0
fi
for name in chromium chromium-browser google-chrome; do
	if command -v "$name" >/dev/null 2>&1; then
		exit 0
	fi
done

if [ "$(id -u)" = 0 ] && [ -r /etc/os-release ] && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release; then
	echo "Chromium is missing: installing the chromium package with apt-get"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
	exit 0
fi

cat >&2 <<'MSG'
Chromium is missing. Install it and run the command again:
  Debian or Ubuntu:  sudo apt-get install -y chromium
  any other system:  install Chrome or Chromium and set CHROMIUM_BIN=/path/to/it
MSG
exit 1
