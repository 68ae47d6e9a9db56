#!/bin/sh
# Runs inside the debug kernel: gcov.sh DIR copies the gcov counters of
# gpio-aggregator.o (CONFIG_GCOV_KERNEL; debugfs keeps them when the module
# is unloaded, added up over every load of this boot) to the host
# directory DIR, as gpio-aggregator.gcda, for harness/coverage.sh.
dir=$1
mnt=/run/gcov-out

fail() {
	echo "gcov: $*" >&2
	exit 1
}

[ -d /sys/kernel/debug/gcov ] ||
	fail "no /sys/kernel/debug/gcov (no CONFIG_GCOV_KERNEL, or debugfs not mounted)"
gcda=$(find /sys/kernel/debug/gcov -name gpio-aggregator.gcda | head -n 1)
[ -n "$gcda" ] ||
	fail "no gpio-aggregator.gcda under /sys/kernel/debug/gcov: the module was never loaded, or not built with GCOV_PROFILE"
mkdir -p "$mnt" || fail "cannot make $mnt"
mount -n -t hostfs -o "$dir" none "$mnt" || fail "cannot mount host directory $dir"
rc=0
cat "$gcda" > "$mnt/gpio-aggregator.gcda" || rc=1
umount "$mnt"
[ "$rc" = 0 ] || fail "cannot copy $gcda to $dir"
echo "gcov: counters of gpio-aggregator.o saved in $dir"
