#!/bin/sh
# Builds the parapet-agent .deb and .rpm into dist/, and renders the macOS and
# Windows deployment files into dist/macos and dist/windows. `make packages`
# runs it from the repository root. Settings come from the environment:
#
#   PARAPET_SERVER_URL            https URL of parapet-server
#                                 (default https://127.0.0.1:8443)
#   PARAPET_EXTENSION_UPDATE_URL  update manifest URL of the extension
#                                 (default PARAPET_SERVER_URL/extension/update.xml)
#   PARAPET_SERVER_CA_FILE        PEM file to install as the server's CA on the
#                                 devices (default: none, trust the system roots)
#   PARAPET_VERSION               package version, MAJOR.MINOR.PATCH (default 0.1.0)
#   PARAPET_MACOS_CODE_REQUIREMENT  code requirement of the signed macOS agent,
#                                 for the Full Disk Access profile
#                                 (default: identifier "parapet-agent")
#   PARAPET_AGENT_BIN             prebuilt linux/amd64 parapet-agent to package
#                                 instead of building ./agent/cmd/parapet-agent
#   GO                            go command (default go)
#   DIST                          output folder (default dist)
set -eu

: "${PARAPET_SERVER_URL:=https://127.0.0.1:8443}"
: "${PARAPET_EXTENSION_UPDATE_URL:=$PARAPET_SERVER_URL/extension/update.xml}"
: "${PARAPET_SERVER_CA_FILE:=}"
: "${PARAPET_VERSION:=0.1.0}"
: "${PARAPET_MACOS_CODE_REQUIREMENT:=identifier \"parapet-agent\"}"
: "${PARAPET_AGENT_BIN:=}"
: "${GO:=go}"
: "${DIST:=dist}"

fail() {
	echo "build-packages: $*" >&2
	exit 1
}

# The values are pasted into JSON, YAML, XML, .reg and PowerShell files, so
# only characters that need no escaping in any of them are accepted.
check_url() {
	name=$1
	value=$2
	if ! printf '%s\n' "$value" | grep -Eq '^https://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$'; then
		fail "$name=$value is invalid: use an https URL of letters, digits and . _ ~ / - only, such as https://127.0.0.1:8443"
	fi
}

check_url PARAPET_SERVER_URL "$PARAPET_SERVER_URL"
check_url PARAPET_EXTENSION_UPDATE_URL "$PARAPET_EXTENSION_UPDATE_URL"
if ! printf '%s\n' "$PARAPET_VERSION" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$'; then
	fail "PARAPET_VERSION=$PARAPET_VERSION is invalid: use MAJOR.MINOR.PATCH, such as 1.2.3, because MSI versions are numeric"
fi
case "$PARAPET_MACOS_CODE_REQUIREMENT" in
*[\<\>\&\|]* | '')
	fail "PARAPET_MACOS_CODE_REQUIREMENT is invalid: it must be non-empty and contain none of < > & |"
	;;
esac
if [ -n "$PARAPET_SERVER_CA_FILE" ] && ! grep -q -- '-----BEGIN CERTIFICATE-----' "$PARAPET_SERVER_CA_FILE"; then
	fail "PARAPET_SERVER_CA_FILE=$PARAPET_SERVER_CA_FILE is not a PEM certificate file"
fi

repo=$(pwd)
installer=$repo/installer
[ -f "$installer/linux/nfpm.yaml" ] || fail "run me from the repository root (no installer/linux/nfpm.yaml in $repo)"
mkdir -p "$DIST"
dist=$(cd "$DIST" && pwd)
stage=$dist/stage
rm -rf "$stage" "$dist/macos" "$dist/windows"
mkdir -p "$stage/scripts" "$dist/macos" "$dist/windows"

# render TEMPLATE OUTPUT CA_PATH replaces every @PARAPET_...@ placeholder and
# fails if one is left.
render() {
	sed -e "s|@PARAPET_SERVER_URL@|$PARAPET_SERVER_URL|g" \
		-e "s|@PARAPET_EXTENSION_UPDATE_URL@|$PARAPET_EXTENSION_UPDATE_URL|g" \
		-e "s|@PARAPET_VERSION@|$PARAPET_VERSION|g" \
		-e "s|@PARAPET_MACOS_CODE_REQUIREMENT@|$PARAPET_MACOS_CODE_REQUIREMENT|g" \
		-e "s|@PARAPET_SERVER_CA_PATH@|$3|g" \
		"$1" >"$2"
	if grep -n '@PARAPET_[A-Z_]*@' "$2" >&2; then
		fail "$1 has a placeholder that render does not know"
	fi
}

linux_ca=
macos_ca=
windows_ca=
if [ -n "$PARAPET_SERVER_CA_FILE" ]; then
	linux_ca=/etc/parapet/server-ca.pem
	macos_ca='/Library/Application Support/Parapet/server-ca.pem'
	windows_ca='C:\\ProgramData\\Parapet\\server-ca.pem'
fi

# Linux packages.
render "$installer/linux/agent.yaml" "$stage/agent.yaml" "$linux_ca"
render "$installer/linux/browser-policy.json" "$stage/browser-policy.json" ""
cp "$installer/linux/parapet-agent.service" "$stage/"
cp "$installer/linux/scripts/"*.sh "$stage/scripts/"
cp "$installer/linux/nfpm.yaml" "$stage/nfpm.yaml"
if [ -n "$PARAPET_SERVER_CA_FILE" ]; then
	cp "$PARAPET_SERVER_CA_FILE" "$stage/server-ca.pem"
	cat >>"$stage/nfpm.yaml" <<'YAML'
  - src: server-ca.pem
    dst: /etc/parapet/server-ca.pem
    type: config|noreplace
    file_info:
      mode: 0644
YAML
fi

if [ -n "$PARAPET_AGENT_BIN" ]; then
	echo "build-packages: packaging $PARAPET_AGENT_BIN instead of building the agent" >&2
	cp "$PARAPET_AGENT_BIN" "$stage/parapet-agent"
else
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 "$GO" build -trimpath \
		-ldflags "-X parapet/agent/version.Version=$PARAPET_VERSION" \
		-o "$stage/parapet-agent" ./agent/cmd/parapet-agent
fi

# nfpm comes from installer/pkgtool/go.mod, which pins its version.
"$GO" -C "$installer/pkgtool" build -o "$stage/nfpm" github.com/goreleaser/nfpm/v2/cmd/nfpm

rm -f "$dist"/parapet-agent_*.deb "$dist"/parapet-agent-*.rpm
for packager in deb rpm; do
	(cd "$stage" && PARAPET_VERSION=$PARAPET_VERSION ./nfpm package --config nfpm.yaml --packager "$packager" --target "$dist/")
done

# macOS and Windows files, for upload to an MDM or for the MSI build.
for f in parapet.agent.plist parapet-chrome.mobileconfig parapet-edge.mobileconfig parapet-agent-pppc.mobileconfig; do
	render "$installer/macos/$f" "$dist/macos/$f" ""
done
render "$installer/macos/agent.yaml" "$dist/macos/agent.yaml" "$macos_ca"
for f in parapet-agent.wxs parapet-browser-policy.reg Set-ParapetBrowserPolicy.ps1; do
	render "$installer/windows/$f" "$dist/windows/$f" ""
done
# Windows tools expect CRLF line ends in .reg files.
sed 's/$/\r/' "$dist/windows/parapet-browser-policy.reg" >"$stage/reg.crlf"
mv "$stage/reg.crlf" "$dist/windows/parapet-browser-policy.reg"
render "$installer/windows/agent.yaml" "$dist/windows/agent.yaml" "$windows_ca"
if [ -n "$PARAPET_SERVER_CA_FILE" ]; then
	cp "$PARAPET_SERVER_CA_FILE" "$dist/macos/server-ca.pem"
	cp "$PARAPET_SERVER_CA_FILE" "$dist/windows/server-ca.pem"
fi

echo "build-packages: wrote" "$dist"/parapet-agent_*.deb "$dist"/parapet-agent-*.rpm "$dist/macos" "$dist/windows"
