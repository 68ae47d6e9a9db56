#!/bin/sh
# Run our KUnit suites (drivers/gpio/.kunitconfig) with the tree's own
# tools/testing/kunit/kunit.py on UML, and record each test case's result.
. "$(dirname "$0")/lib.sh"

build=$OUT/build/kunit
log=$LOGS/kunit.log
mkdir -p "$RESULTS" "$build"
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
	--raw_output=kunit > "$log" 2>&1 || rc=$?

# kunit.py's raw output is KTAP: suites at the top level, their cases
# indented one level, the parameters of a parameterised case one more.
# Record the leaves: every case, or every parameter of a parameterised one.
awk '
/^        # Subtest: / { parent[substr($0, 20)] = 1; next }
/^(    |        )(not ok|ok) [0-9]+ / {
	line = $0
	deep = (line ~ /^        /)
	sub(/^ +/, "", line)
	status = (line ~ /^not ok/) ? "not ok" : "ok"
	sub(/^(not ok|ok) [0-9]+ /, "", line)
	if (!deep && (line in parent))
		next
	if (line ~ /# SKIP/)
		status = "skip"
	print status " kunit: " line
}' "$log" > "$RESULTS/kunit"

cases=$(wc -l < "$RESULTS/kunit")
[ "$cases" -gt 0 ] || record kunit "not ok" "kunit: no test case ran (see $log)"
if ! sh "$HARNESS/splats.sh" "$build/test.log"; then
	record kunit "not ok" "kunit: kernel splat (see $build/test.log)"
	rc=1
fi
[ "$rc" = 0 ] || { say "KUnit failed; log: $log"; exit 1; }
! grep -q '^not ok\|^skip' "$RESULTS/kunit" || { say "KUnit failed; log: $log"; exit 1; }
say "KUnit: $cases cases passed"
