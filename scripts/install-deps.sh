#!/bin/sh
# Install the Debian 12 packages synscope needs to build, test and demo.
# Only what is missing is installed; needs root when something is missing.
set -e
PKGS="build-essential pkg-config libpcap-dev libjson-c-dev libcmocka-dev
      libcap-dev libmnl-dev iproute2 nftables tcpdump mandoc procps psmisc python3 hyperfine
      keepalived ldirectord valgrind clang strace libmicrohttpd-dev curl
      prometheus prometheus-node-exporter systemd-container"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root or install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
