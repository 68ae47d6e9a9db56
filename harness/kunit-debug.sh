#!/bin/sh
# Run our KUnit suites in the debug kernel (KASAN, lockdep, kmemleak, ...),
# where build.sh builds each CONFIG_*_KUNIT_TEST of drivers/gpio/.kunitconfig
# as a module: boot it, load every *_kunit.ko of drivers/gpio (its suites
# run as it loads and print KTAP on the console), unload it, then scan for
# leaks and save the gcov counters of gpio-aggregator.o for coverage.sh. This is what runs the forwarder's non-sleeping (spinlock) path
# under lockdep and KASAN: gpio-sim, behind the selftests, always sleeps.
#
# Each module's KTAP is cut out of the console log and read by kunit.py's
# own parser (kunit.py parse), which checks every plan; any splat in the
# console, a module that fails to load or prints no KTAP, a case missing
# from its plan, or a leak fails the step.
#
# Environment: TIMEOUT (seconds, default 600) stops a hung kernel.
. "$(dirname "$0")/lib.sh"

name="kunit-debug"
log=$LOGS/$name.log
console=$LOGS/console-$name.log
parts=$LOGS/$name
mkdir -p "$RESULTS"
: > "$RESULTS/$name"
rm -rf "$parts"
mkdir -p "$parts"

dir=$(flavour_dir debug)
[ -x "$dir/linux" ] || die "no debug kernel yet: run 'make build DEBUG=1'"
moddir=$OUT/staging/debug/lib/modules/$(kernel_release debug)/kernel/drivers/gpio
modules=$(cd "$moddir" 2>/dev/null && for m in *_kunit.ko; do
	[ -f "$m" ] && printf '%s ' "${m%.ko}"
done) || true
[ -n "$modules" ] ||
	die "no *_kunit.ko in $moddir: the debug build has no KUnit module (log: $LOGS/config-debug.log)"

# The counters of gpio-aggregator.o, profiled in the debug kernel, for
# coverage.sh.
gcov_dir=$(coverage_dir "$name")

# Each module's output starts at a marker line in the kernel log, so that
# its KTAP (a document of its own, "KTAP version 1" and a plan) can be cut
# out of the console log and parsed alone.
# Fault injection also covers allocations that may sleep (by default it
# leaves them alone), so that the suites' no-allocation checks see those too.
cmd="sh $HARNESS/guest/kmemleak.sh clear || exit 1
for f in failslab/ignore-gfp-wait fail_page_alloc/ignore-gfp-wait; do
	echo N > /sys/kernel/debug/\$f || exit 1
done
echo 0 > /sys/kernel/debug/fail_page_alloc/min-order || exit 1
rc=0
for m in $modules; do
	echo \"harness: kunit module \$m\" > /dev/kmsg
	modprobe \$m || { echo \"modprobe \$m failed\"; rc=1; }
	modprobe -r \$m || { echo \"modprobe -r \$m failed\"; rc=1; }
done
echo 'harness: kunit modules done' > /dev/kmsg
sh $HARNESS/guest/kmemleak.sh report || rc=3
sh $HARNESS/guest/gcov.sh $gcov_dir
exit \$rc"

say "KUnit modules on the debug kernel: $modules(log: $log)"
rc=0
CONSOLE_LOG=$console TIMEOUT=${TIMEOUT:-600} DEBUG=1
export CONSOLE_LOG TIMEOUT DEBUG
run_tee "$log" sh "$HARNESS/boot.sh" "$cmd" || rc=$?

[ ! -f "$console" ] || awk -v dir="$parts" '
{ sub(/\r$/, "") }
/harness: kunit module / { out = dir "/" $NF ".log"; next }
/harness: kunit modules done/ { out = ""; next }
out != "" { print > out }
' "$console"

kunit=$SRC/tools/testing/kunit/kunit.py
for m in $modules; do
	if [ ! -s "$parts/$m.log" ]; then
		record "$name" "not ok" "$name: $m: no output (see $console)"
		continue
	fi
	prc=0
	python3 "$kunit" parse --json="$parts/$m.json" "$parts/$m.log" \
		> "$parts/$m.parsed" 2>&1 || prc=$?
	if [ -s "$parts/$m.json" ]; then
		python3 "$HARNESS/kunit-results.py" "$name" "$parts/$m.json" \
			>> "$RESULTS/$name" ||
			record "$name" "not ok" "$name: $m: no result (see $parts/$m.parsed)"
	fi
	# The parser also fails on what no case shows: no KTAP at all, a
	# suite that failed as a whole.
	[ "$prc" = 0 ] || grep -q '^not ok' "$RESULTS/$name" ||
		record "$name" "not ok" "$name: $m: kunit.py parse failed (exit $prc) (see $parts/$m.parsed)"
	grep 'Testing complete' "$parts/$m.parsed" | tail -n 1 |
		sed "s/^\\[[0-9:]*\\] /KUnit $m on the debug kernel: /" >&2 || true
done
[ "$rc" != 125 ] ||
	record "$name" "not ok" "$name: the kernel failed: splat (lockdep, KASAN, ...), crash or timeout (see $console)"
kmemleak_result "$name" "$log"
if [ "$rc" != 0 ] && [ "$rc" != 125 ] && ! grep -q '^not ok' "$RESULTS/$name"; then
	record "$name" "not ok" "$name: the guest command failed (exit $rc) (see $log)"
fi

if grep -q '^not ok\|^skip' "$RESULTS/$name"; then
	grep '^not ok\|^skip' "$RESULTS/$name" | head -n 20 >&2
	die "KUnit on the debug kernel failed; log: $log, kernel console: $console"
fi
say "KUnit on the debug kernel: $(grep -c '' "$RESULTS/$name") passed"
