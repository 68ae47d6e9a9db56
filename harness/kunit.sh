#!/bin/sh
# Run our KUnit suites (drivers/gpio/.kunitconfig) with the tree's own
# tools/testing/kunit/kunit.py on UML, and record each test case's result
# as kunit.py's own parser reads it: a case that failed, or that its suite's
# KTAP plan announced but that never reported (a crash, a hang cut by the
# timeout), fails the step; so does any kernel splat, and any failure
# kunit.py reports beyond single cases (build, boot, a whole suite).
#
# Environment: KUNIT_TIMEOUT, seconds kunit.py lets the kernel run
# (default 120; the suites take a few seconds).
. "$(dirname "$0")/lib.sh"

build=$OUT/build/kunit
log=$LOGS/kunit.log
json=$LOGS/kunit.json
console=$LOGS/console-kunit.log
mkdir -p "$RESULTS" "$build"
: > "$RESULTS/kunit"
rm -f "$json" "$console"
use_out_tmpdir

say "KUnit: building and running (first time: about 3 min; log: $log)"
cd "$SRC"
rc=0
# UML_PCI_OVER_VIRTIO comes with kunit's UML defaults and WARNs at every
# boot without a virtio device: off, so that any splat means a real bug.
# The kernel stack makes room for the host's XSAVE area, as in
# kconfig/test.config.
python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=drivers/gpio/.kunitconfig \
	--build_dir="$build" --arch=um --jobs="$(nproc)" \
	--make_options 'CC=ccache gcc' \
	--kconfig_add 'CONFIG_UML_PCI_OVER_VIRTIO=n' \
	--kconfig_add 'CONFIG_KERNEL_STACK_ORDER=4' \
	--timeout="${KUNIT_TIMEOUT:-120}" \
	--json="$json" > "$log" 2>&1 || rc=$?
# kunit.py keeps the kernel's whole output (the raw KTAP) in its build dir.
[ ! -f "$build/test.log" ] || cp "$build/test.log" "$console"

if [ -s "$json" ]; then
	python3 "$HARNESS/kunit-results.py" kunit "$json" >> "$RESULTS/kunit" ||
		record kunit "not ok" "kunit: no result could be read from $json (see $log)"
fi
if [ -f "$console" ] && ! sh "$HARNESS/splats.sh" "$console"; then
	record kunit "not ok" "kunit: kernel splat (see $console)"
fi
# kunit.py fails on a failed case, and also on what no case shows: a build
# or boot failure, a suite that failed as a whole.
if [ "$rc" != 0 ] && ! grep -q '^not ok' "$RESULTS/kunit"; then
	record kunit "not ok" "kunit: kunit.py failed (exit $rc) (see $log)"
fi

[ -s "$RESULTS/kunit" ] || record kunit "not ok" "kunit: no result at all (see $log)"
grep 'Testing complete' "$log" | tail -n 1 | sed 's/^\[[0-9:]*\] /KUnit: /' >&2 || true

cases=$(grep -c '' "$RESULTS/kunit" || true)
if grep -q '^not ok\|^skip' "$RESULTS/kunit"; then
	grep '^not ok\|^skip' "$RESULTS/kunit" | head -n 20 >&2
	die "KUnit failed; log: $log (kernel output: $console)"
fi
say "KUnit: $cases cases passed"
