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
# udev rule in the selftests).
# The debian-kernel and vm steps: qemu-system-x86 (boots Debian's kernel,
# and the VM test's guest), dkms,
# dwarves (pahole: Debian's headers make BTF for modules).
packages="
	linux-source-6.12 build-essential make bc bison flex libelf-dev libssl-dev
	ccache python3 perl xz-utils cpio rsync patch
	git sparse lcov
	clang lld llvm coccinelle ocaml-nox shellcheck python3-ply python3-git
	python3-sphinx
	kmod util-linux mount busybox gpiod device-tree-compiler udev
	qemu-system-x86 dkms dwarves
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
