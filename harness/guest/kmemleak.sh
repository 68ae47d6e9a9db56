#!/bin/sh
# Runs inside the debug kernel.
#   kmemleak.sh clear    forget what leaked before the tests (boot-time
#                        noise), then have every later scan print each new
#                        leak on the console too (kmemleak.verbose)
#   kmemleak.sh report   scan; print every suspected leak and fail if any,
#                        or if kmemleak cannot scan (it disabled itself)
# It prints "kmemleak: no leaks" only when a scan ran and found nothing.
kmemleak=/sys/kernel/debug/kmemleak
verbose=/sys/module/kmemleak/parameters/verbose

fail() {
	echo "kmemleak: $*" >&2
	exit 1
}

# scan: one scan; the write fails (EPERM) when kmemleak has disabled itself.
scan() {
	echo scan > "$kmemleak" ||
		fail "scan failed: kmemleak is off (it disables itself on an internal error; see the console log)"
}

[ -e "$kmemleak" ] || fail "$kmemleak missing (no CONFIG_DEBUG_KMEMLEAK, or debugfs not mounted)"

case $1 in
clear)
	scan
	echo clear > "$kmemleak" || fail "clear failed"
	# Not a boot parameter: the scan above would print the boot-time
	# noise that clear is there to forget.
	echo 1 > "$verbose" || fail "cannot set $verbose"
	;;
report)
	# kmemleak reports only objects older than about 5 s, so let the last
	# objects of the tests age into view: a wait on time by design.
	sleep 6
	scan
	scan
	# Debugfs files have size 0: read the content.
	leaks=$(cat "$kmemleak") || fail "cannot read $kmemleak"
	if [ -n "$leaks" ]; then
		echo "kmemleak: suspected leaks:"
		printf '%s\n' "$leaks"
		exit 1
	fi
	echo "kmemleak: no leaks"
	;;
*)
	echo "usage: kmemleak.sh clear|report" >&2
	exit 2
	;;
esac
