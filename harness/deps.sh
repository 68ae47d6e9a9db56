#!/bin/sh
# Install, with apt-get, the Debian packages the harness needs and the
# machine lacks: everything it calls, make and git included. Needs root only
# when something is missing. Plain sh, so that a machine without make yet
# can run it directly: sh harness/deps.sh
. "$(dirname "$0")/lib.sh"

# The kernel build: linux-source-6.12 build-essential (gcc, cpp) make bc
# bison flex libelf-dev libssl-dev ccache python3 perl xz-utils cpio rsync.
# The harness and its checks: patch (harness/patches), git (the list of our
# files), sparse, lcov (coverage.sh), device-tree-compiler (the test DTB),
# clang lld llvm (the LLVM=1 build), coccinelle with ocaml-nox (the kernel's
# semantic patches; two of them are OCaml scripts), shellcheck,
# python3-ply python3-git (checkpatch's SPDX check in a git tree), and
# python3-sphinx (check.sh renders the admin guide with make htmldocs).
# Inside the test kernel: kmod (modprobe), util-linux (mountpoint, setsid),
# mount, busybox (poweroff), gpiod, udev (udevadm test of the guide's
# udev rule in the selftests), i2c-tools (i2cget and i2cset: the selftests'
# expander group reads and drives the registers of the PCA9555s on
# i2c-stub).
# The debian-kernel and vm steps: dwarves (pahole: Debian's headers
# make BTF for modules), and qemu-system-x86 from bookworm-backports (below).
# make deb and the debian-kernel step: dpkg-dev (dpkg-buildpackage),
# debhelper and dh-dkms (debian/rules), lintian, debootstrap (the Debian
# root the packages are installed into; DKMS runs there, not here).
packages="
	linux-source-6.12 build-essential make bc bison flex libelf-dev libssl-dev
	ccache python3 perl xz-utils cpio rsync patch
	git sparse lcov
	clang lld llvm coccinelle ocaml-nox shellcheck python3-ply python3-git
	python3-sphinx
	kmod util-linux mount busybox gpiod device-tree-compiler udev i2c-tools
	dwarves dpkg-dev debhelper dh-dkms lintian debootstrap
"

# QEMU: the VM test needs one that passes VIRTIO_GPIO_F_IRQ from the
# vhost-user back-end on to the guest, which QEMU does from 9.0 on
# (vhost-user-gpio derives from vhost-user-base there). Debian 12's own
# QEMU is 7.2; Debian ships a newer one for Debian 12 in its official
# bookworm-backports suite. Only this package is taken from there: a
# backports suite has priority 100, so nothing else moves unless asked with
# -t, and apt keeps the installed backports version at upgrades.
QEMU_PACKAGE='qemu-system-x86'
QEMU_SUITE=bookworm-backports
QEMU_MIN=9.0
BACKPORTS_SOURCES=/etc/apt/sources.list.d/$QEMU_SUITE.sources

# qemu_version: the installed QEMU's upstream version (10.0.2), or nothing.
qemu_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$QEMU_PACKAGE" 2>/dev/null |
		sed -n 's/^install ok installed \([0-9]*:\)\{0,1\}\([0-9.]*\).*/\2/p'
}

# qemu_new_enough: the installed QEMU is QEMU_MIN or later.
qemu_new_enough() {
	v=$(qemu_version)
	[ -n "$v" ] && dpkg --compare-versions "$v" ge "$QEMU_MIN"
}

# add_backports: the bookworm-backports suite in apt's sources, once.
add_backports() {
	[ -f "$BACKPORTS_SOURCES" ] && return 0
	say "adding Debian's $QEMU_SUITE suite to apt's sources ($BACKPORTS_SOURCES)"
	cat > "$BACKPORTS_SOURCES" <<-SOURCES
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: $QEMU_SUITE
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SOURCES
}

# /lib/modules: the test kernels mount their module trees there (UML over
# hostfs, Debian's kernel under qemu with a bind mount), on the host root,
# read-only. A Debian machine with a kernel package has it; a container or
# a VM booted from outside (this project's machines) may not, and no
# package owns it.
if [ ! -d /lib/modules ]; then
	[ "$(id -u)" = 0 ] || die "no /lib/modules, where the test kernels mount their modules; run 'make deps' as root"
	mkdir -p /lib/modules
fi

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
qemu=
qemu_new_enough || qemu=$QEMU_PACKAGE
[ -n "$missing$qemu" ] || exit 0

[ "$(id -u)" = 0 ] ||
	die "missing packages:$missing ${qemu:+$qemu (from $QEMU_SUITE)}; run 'make deps' as root (it uses apt-get)"
add_backports
run_logged "$LOGS/apt-update.log" "apt-get update" apt-get update ||
	die "apt-get update failed (see $LOGS/apt-update.log)"
# shellcheck disable=SC2086 # one word a package
[ -z "$missing" ] || run_logged "$LOGS/apt.log" "installing:$missing" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing ||
	die "apt-get could not install:$missing (see $LOGS/apt.log)"
[ -z "$qemu" ] || run_logged "$LOGS/apt-qemu.log" "installing $QEMU_PACKAGE from $QEMU_SUITE" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -t "$QEMU_SUITE" "$QEMU_PACKAGE" ||
	die "cannot install $QEMU_PACKAGE $QEMU_MIN or later from Debian's $QEMU_SUITE suite, which the VM test needs for interrupts in the guest: is the suite reachable (apt-cache policy $QEMU_PACKAGE)? (see $LOGS/apt-qemu.log)"
qemu_new_enough ||
	die "$QEMU_PACKAGE $(qemu_version) is installed; the VM test needs $QEMU_MIN or later, from Debian's $QEMU_SUITE suite (apt-get install -t $QEMU_SUITE $QEMU_PACKAGE)"
