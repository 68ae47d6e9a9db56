#!/bin/sh
# Run tools/testing/selftests/gpio/gpio-aggregator.sh inside the test kernel
# (DEBUG=1: the debug kernel, followed by a kmemleak scan that must be
# empty, and the gcov counters of gpio-aggregator.o saved for coverage.sh)
# and record each KTAP result.
. "$(dirname "$0")/lib.sh"

flavour=$(flavour_of_debug)
name=selftest-$flavour
log=$LOGS/$name.log
script=$SRC/tools/testing/selftests/gpio/gpio-aggregator.sh
mkdir -p "$RESULTS"
: > "$RESULTS/$name"
[ -f "$script" ] || die "no selftest at $script: run 'make tree'"

# Our helper programs, built by the selftests' own Makefile next to the
# script, against the host's uapi headers. OUTPUT is given because lib.mk
# sets it only when not called from another make (as make test is).
dir=$(dirname "$script")
progs=
for c in "$dir"/gpio-aggregator*.c; do
	[ -f "$c" ] && progs="$progs ${c%.c}"
done
if [ -n "$progs" ]; then
	# shellcheck disable=SC2086
	make -C "$dir" OUTPUT="$dir" KHDR_INCLUDES= $progs > "$LOGS/selftest-programs.log" 2>&1 ||
		die "building the selftest programs failed; log: $LOGS/selftest-programs.log"
fi

cmd="$script"
if [ "$flavour" = debug ]; then
	# The debug kernel profiles gpio-aggregator.o: its counters go to
	# out/coverage/ for coverage.sh, which fails when they are missing.
	gcov_dir=$(coverage_dir "$name")
	cmd="sh $HARNESS/guest/kmemleak.sh clear || exit 1
$script; rc=\$?
sh $HARNESS/guest/kmemleak.sh report || rc=3
sh $HARNESS/guest/gcov.sh $gcov_dir
exit \$rc"
fi

say "selftests on the $flavour kernel (log: $log)"
rc=0
export CONSOLE_LOG="$LOGS/console-$name.log"
run_tee "$log" sh "$HARNESS/boot.sh" "$cmd" || rc=$?

ktap_results "$name" "$name" "$log"
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
ran=$(wc -l < "$RESULTS/$name")
if [ -z "$planned" ] || [ "$planned" != "$ran" ]; then
	record "$name" "not ok" "$name: planned ${planned:-no} cases, ran $ran"
fi
[ "$rc" != 125 ] ||
	record "$name" "not ok" "$name: the kernel failed: splat, crash or timeout (see $LOGS/console-$name.log)"
[ "$flavour" != debug ] || kmemleak_result "$name" "$log"
! grep -q '^not ok\|^skip' "$RESULTS/$name" || { say "selftests failed; log: $log"; exit 1; }
[ "$rc" = 0 ] || { say "selftests failed (exit $rc); log: $log"; exit 1; }
