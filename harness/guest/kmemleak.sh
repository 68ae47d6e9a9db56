#!/bin/sh
# Runs inside the debug kernel.
#   kmemleak.sh clear    forget what leaked before the tests (boot-time noise)
#   kmemleak.sh report   scan; print every suspected leak and fail if any
kmemleak=/sys/kernel/debug/kmemleak
[ -w "$kmemleak" ] || { echo "kmemleak: $kmemleak missing" >&2; exit 1; }

case $1 in
clear)
	echo scan > "$kmemleak"
	echo clear > "$kmemleak"
	;;
report)
	# kmemleak reports only objects older than about 5 s, so let the last
	# objects of the tests age into view: a wait on time by design.
	sleep 6
	echo scan > "$kmemleak"
	echo scan > "$kmemleak"
	if [ -s "$kmemleak" ] && grep -q . "$kmemleak"; then
		echo "kmemleak: suspected leaks:"
		cat "$kmemleak"
		exit 1
	fi
	echo "kmemleak: no leaks"
	;;
*)
	echo "usage: kmemleak.sh clear|report" >&2
	exit 2
	;;
esac
