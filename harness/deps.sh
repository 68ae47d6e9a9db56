#!/bin/sh
# Install, with apt-get, the Debian packages the harness needs and the
# machine lacks. Needs root only when something is missing.
. "$(dirname "$0")/lib.sh"

packages="
	linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	ccache python3 perl xz-utils cpio rsync patch
	kmod util-linux busybox gpiod device-tree-compiler sparse
"

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0

[ "$(id -u)" = 0 ] || die "missing packages:$missing; run 'make deps' as root (it uses apt-get)"
run_logged "$LOGS/apt.log" "installing:$missing" sh -c "
	apt-get update &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing"
