#!/bin/sh
# module.sh KDIR [NAME]: build gpio-aggregator.ko out of tree against the
# kernel headers (or build directory) KDIR, from the source tree that
# dkms/source.sh assembles in out/module/NAME (default: the kernel release
# of KDIR), as DKMS does. Log: out/logs/module-NAME.log; prints the path of
# the module.
. "$(dirname "$0")/lib.sh"

[ -n "${1:-}" ] || die "usage: make module KDIR=<kernel headers dir>, e.g. /lib/modules/\$(uname -r)/build"
kdir=$(cd "$1" 2>/dev/null && pwd) || die "no kernel headers at $1"
[ -f "$kdir/Makefile" ] || die "$kdir has no Makefile: not a kernel headers or build directory"
name=${2:-$(make -s -C "$kdir" kernelrelease 2>/dev/null)} || true
[ -n "$name" ] || die "cannot read the kernel release of $kdir"
dir=$OUT/module/$name
log=$LOGS/module-$name.log

sh "$TOP/dkms/source.sh" "$dir"
# Debian's headers use ccache when asked; a kernel tree built by the
# harness has its own CC.
DEBIAN_KERNEL_USE_CCACHE=1 run_logged "$log" "building gpio-aggregator.ko for $name" \
	make -C "$kdir" M="$dir" modules ||
	die "building the module against $kdir failed; log: $log"
ko=$dir/drivers/gpio/gpio-aggregator.ko
[ -f "$ko" ] || die "the build made no $ko; log: $log"
echo "$ko"
