#!/bin/sh
# Every test and gate, in order: KUnit (kunit.py on UML), the selftests on
# the test kernel, the make run demo, a short pass of the benchmark, make
# exec's handling of CMD, the selftests on the debug kernel with a kmemleak
# scan, KUnit again as modules of the debug kernel with a kmemleak scan,
# the coverage of gpio-aggregator.c by those two debug runs, the static
# checks, the patch series applied to a fresh base tree, the VM test (an
# aggregator handed to a QEMU guest by the vhost-user back-end), and our
# module on Debian's own kernel (DKMS, then the selftests under qemu). Each step
# builds what it needs first; the summary gives the time each step took,
# builds included. The selftests on the debug kernel, the longest step and
# one CPU's work, run in the background while the steps that need no debug
# kernel go on. A failing step does not stop the others. Ends with one line "N passed, M failed" and exits non-zero on any
# failure.
. "$(dirname "$0")/lib.sh"

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
start=$(date +%s)

# step NAME CMD...: run one step; its failure is recorded by the step itself
# or, if it could not record anything, here.
# Its duration goes to $RESULTS/.seconds.NAME for the summary.
step() {
	name=$1
	shift
	t0=$(date +%s)
	if ! "$@" && ! grep -qs '^not ok' "$RESULTS/$name"; then
		record "$name" "not ok" "$name: step failed before recording a result"
	fi
	echo $(( $(date +%s) - t0 )) > "$RESULTS/.seconds.$name"
}

# built_test, built_debug: 1 once that kernel is built from this tree; the
# steps that boot it need that, not an older build.
built_test=0
built_debug=0

# build_kernel FLAVOUR: build a kernel flavour; a failure fails its
# selftests.
build_kernel() {
	if ! sh "$HARNESS/build.sh" "$1" || ! sh "$HARNESS/dtb.sh"; then
		record "selftest-$1" "not ok" "build of the $1 kernel (see $LOGS/build-$1.log)"
		return 1
	fi
	case $1 in
	test) built_test=1 ;;
	debug) built_debug=1 ;;
	esac
}

# selftest_on FLAVOUR: the selftests on a built kernel flavour.
selftest_on() {
	[ "$1" = debug ] && debug=1 || debug=0
	DEBUG=$debug sh "$HARNESS/selftest.sh"
}

# build_and_selftest FLAVOUR: build a kernel flavour and run the selftests on it.
build_and_selftest() {
	build_kernel "$1" && selftest_on "$1"
}

# need_kernel FLAVOUR STEP NAME: true once that kernel flavour is built from
# this tree, as the steps that boot it need; else records NAME as failed in
# STEP, naming the build log.
need_kernel() {
	case $1 in
	test) [ "$built_test" = 0 ] || return 0 ;;
	debug) [ "$built_debug" = 0 ] || return 0 ;;
	esac
	record "$2" "not ok" "$3: no $1 kernel (see $LOGS/build-$1.log)"
	return 1
}

# demo: make run, which shows the aggregator at work on the test kernel.
demo() {
	need_kernel test demo "demo" || return 1
	say "the make run demo (log: $LOGS/run.log)"
	if DEBUG=0 sh "$HARNESS/run.sh" > /dev/null; then
		record demo ok "demo: make run"
	else
		record demo "not ok" "demo: make run (see $LOGS/run.log and $LOGS/console-run.log)"
		return 1
	fi
}

# bench: one short pass of make bench, so that it cannot rot: every case
# on every implementation (bench.sh checks that), in the test kernel. Its
# checks of the counts and values (bench/check.sh), one result each.
bench_quick() {
	need_kernel test bench "bench" || return 1
	brc=0
	sh "$HARNESS/bench.sh" --quick > "$LOGS/bench-quick.log" 2>&1 || brc=$?
	sed -n 's/^check: //p' "$LOGS/bench-quick.log" | while read -r line; do
		case $line in
		"not ok "*) record bench "not ok" "${line#not ok } (see $LOGS/bench-quick.log)" ;;
		"ok "*) record bench ok "${line#ok }" ;;
		esac
	done
	if [ "$brc" = 0 ]; then
		record bench ok "bench: one short pass of make bench, every case"
	else
		record bench "not ok" "bench: one short pass of make bench (see $LOGS/bench-quick.log)"
		return 1
	fi
}

# make_exec: make exec hands CMD to the shell untouched: a shell variable
# and $? in it must reach the shell, not be expanded by make.
make_exec() {
	need_kernel test harness "harness: make exec" || return 1
	elog=$LOGS/make-exec.log
	want='x=42 status=3'
	# -o build: the test kernel is built; test the exec target alone.
	# shellcheck disable=SC2016
	(cd "$TOP" && make -s -o build exec DEBUG=0 \
		CMD='x=42; (exit 3); echo "x=$x status=$?"') > "$elog" 2>&1 || true
	if [ "$(cat "$elog")" = "$want" ]; then
		record harness ok "harness: make exec passes \$x and \$? in CMD to the shell"
	else
		record harness "not ok" "harness: make exec passes \$x and \$? in CMD to the shell: wanted '$want' (see $elog)"
		return 1
	fi
}

# kunit_debug: KUnit as modules of the debug kernel.
kunit_debug() {
	need_kernel debug kunit-debug "kunit-debug" || return 1
	sh "$HARNESS/kunit-debug.sh"
}

# coverage: gpio-aggregator.c's coverage by the two debug steps above,
# which saved their gcov counters.
coverage() {
	need_kernel debug coverage "coverage" || return 1
	sh "$HARNESS/coverage.sh"
}

# vm: an aggregator handed to a QEMU guest by the vhost-user back-end.
vm() {
	need_kernel test vm "vm" || return 1
	sh "$HARNESS/vm.sh"
}

# counted: what the results of each step are. A result of the debug or
# Debian kernel is a repeat when the same KUnit case or selftest case (its
# name without the step and KTAP number) ran in kunit or selftest-test;
# the others there (kmemleak scans, DKMS, the module the kernel loads) are
# checks of their own. check and series are static checks; harness and
# coverage check the tests themselves; every other result is a product
# check.
counted() {
	echo "What was counted (product: distinct checks of the product; repeats: the same case again on the debug or Debian kernel; static: checkers, builds, the patch series; harness: checks of the tests themselves):"
	for f in "$RESULTS"/*; do
		printf '%s\t%s\n' "$(basename "$f")" "$f"
	done | awk -F '\t' '
		function key(line) {
			sub(/^(not ok|ok|skip) [^:]*: /, "", line)
			sub(/^[0-9]+ /, "", line)
			return line
		}
		{ step[++n] = $1; file[n] = $2 }
		END {
			for (i = 1; i <= n; i++)
				if (step[i] == "kunit" || step[i] == "selftest-test") {
					while ((getline line < file[i]) > 0)
						base[key(line)] = 1
					close(file[i])
				}
			for (i = 1; i <= n; i++) {
				p = r = s = h = 0
				while ((getline line < file[i]) > 0) {
					if (step[i] ~ /^(check|series)$/)
						s++
					else if (step[i] ~ /^(harness|coverage)$/)
						h++
					else if (step[i] ~ /^(selftest-debug|kunit-debug|debian-kernel)$/ &&
						 key(line) in base)
						r++
					else
						p++
				}
				close(file[i])
				printf "  %-16s %4d product, %4d repeats, %4d static, %d harness\n",
					step[i], p, r, s, h
			}
		}'
}

sh "$HARNESS/overlay.sh"
# The Debian root of the debian-kernel step (cold: 12 min, mostly downloads
# and dpkg) is made beside the kernel builds; the step waits for it.
sh "$HARNESS/deb-root.sh" root > "$LOGS/deb-root-background.log" 2>&1 &
step kunit sh "$HARNESS/kunit.sh"
step selftest-test build_and_selftest test
step demo demo
step bench bench_quick
step harness make_exec

# The debug kernel's selftests in the background, their output in their
# log only; their time in the summary includes the debug kernel's build.
t0=$(date +%s)
debug_pid=
if build_kernel debug; then
	build_seconds=$(( $(date +%s) - t0 ))
	say "the selftests on the debug kernel go on in the background (log: $LOGS/selftest-debug.log)"
	step selftest-debug selftest_on debug > "$LOGS/selftest-debug.out" 2>&1 &
	debug_pid=$!
fi

step check sh "$HARNESS/check.sh"
step series sh "$HARNESS/series-test.sh"
step vm vm
step debian-kernel sh "$HARNESS/debian-test.sh"

if [ -n "$debug_pid" ]; then
	say "waiting for the selftests on the debug kernel (log: $LOGS/selftest-debug.log)"
	wait "$debug_pid" || true
	seconds=$RESULTS/.seconds.selftest-debug
	echo $(( $(cat "$seconds") + build_seconds )) > "$seconds"
	grep '^>>> \|^\*\*\* ' "$LOGS/selftest-debug.out" >&2 || true
fi
step kunit-debug kunit_debug
step coverage coverage

passed=$(cat "$RESULTS"/* | grep -c '^ok ' || true)
failed=$(cat "$RESULTS"/* | grep -c '^not ok ' || true)
skipped=$(cat "$RESULTS"/* | grep -c '^skip ' || true)

echo
echo "Results by step (one line a test in $RESULTS/):"
for f in "$RESULTS"/*; do
	name=$(basename "$f")
	printf '  %-16s %4s passed, %s failed, %s skipped  (%s s)\n' "$name" \
		"$(grep -c '^ok ' "$f" || true)" "$(grep -c '^not ok ' "$f" || true)" \
		"$(grep -c '^skip ' "$f" || true)" \
		"$(cat "$RESULTS/.seconds.$name" 2>/dev/null || echo '?')"
done
if [ "$failed" != 0 ] || [ "$skipped" != 0 ]; then
	echo "Failed or skipped (logs in $LOGS/):"
	cat "$RESULTS"/* | grep -v '^ok ' | sed 's/^/  /'
fi
[ ! -f "$LOGS/coverage.summary" ] || sed 's/^/Coverage: /' "$LOGS/coverage.summary"
counted
echo "Took $(( $(date +%s) - start )) s."
# For the cover letter of make patches: what this commit's make test gave.
{
	echo "commit $(git -C "$TOP" rev-parse HEAD 2> /dev/null || echo unknown)"
	for f in "$RESULTS"/*; do
		printf '%s %s %s\n' "$(basename "$f")" "$(grep -c '^ok ' "$f" || true)" \
			"$(grep -c '^not ok ' "$f" || true)"
	done
} > "$LOGS/test-summary"
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
