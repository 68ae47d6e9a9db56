#!/bin/sh
# Every test and gate, in order: KUnit, the selftests on the test kernel,
# the selftests on the debug kernel with a kmemleak scan, and the static
# checks. A failing step does not stop the others. Ends with one line
# "N passed, M failed" and exits non-zero on any failure.
. "$(dirname "$0")/lib.sh"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
start=$(date +%s)

# step NAME CMD...: run one step; its failure is recorded by the step itself
# or, if it could not record anything, here.
step() {
	name=$1
	shift
	if ! "$@" && ! grep -qs '^not ok' "$RESULTS/$name"; then
		record "$name" "not ok" "$name: step failed before recording a result"
	fi
}

sh "$HARNESS/overlay.sh"
step kunit sh "$HARNESS/kunit.sh"
for flavour in test debug; do
	if sh "$HARNESS/build.sh" "$flavour" && sh "$HARNESS/dtb.sh"; then
		[ "$flavour" = debug ] && debug=1 || debug=0
		step "selftest-$flavour" env DEBUG=$debug sh "$HARNESS/selftest.sh"
	else
		record "selftest-$flavour" "not ok" "build of the $flavour kernel (see $LOGS/build-$flavour.log)"
	fi
done
step check sh "$HARNESS/check.sh"

passed=$(cat "$RESULTS"/* | grep -c '^ok ' || true)
failed=$(cat "$RESULTS"/* | grep -c '^not ok ' || true)
skipped=$(cat "$RESULTS"/* | grep -c '^skip ' || true)

echo
echo "Results by step (one line a test in $RESULTS/):"
for f in "$RESULTS"/*; do
	printf '  %-16s %4s passed, %s failed, %s skipped\n' "$(basename "$f")" \
		"$(grep -c '^ok ' "$f" || true)" "$(grep -c '^not ok ' "$f" || true)" \
		"$(grep -c '^skip ' "$f" || true)"
done
if [ "$failed" != 0 ] || [ "$skipped" != 0 ]; then
	echo "Failed or skipped (logs in $LOGS/):"
	cat "$RESULTS"/* | grep -v '^ok ' | sed 's/^/  /'
fi
echo "Took $(( $(date +%s) - start )) s."
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
