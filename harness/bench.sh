#!/bin/sh
# make bench: measure GPIO forwarding in the test kernel, in one boot, on
# the same parent lines: the parents reached directly, our aggregator, and
# the unmodified 6.12 driver of the base tree built as another module.
#   bench.sh           the full run (a few minutes)
#   bench.sh --quick   one short pass, as make test runs it
# CASES (a shell pattern, e.g. 'set_multiple-*') runs only the cases it
# matches, with no scaling figures and no check that every case ran.
# Prints one line per case and implementation, then a table with the
# ratios ours/direct and v6.12/ours, then the checks of bench/check.sh
# (parent calls and values, counted in the kernel: "check: ok ..." or
# "check: not ok ...", one line each; any failure fails the run).
# Output: out/logs/bench.log.
. "$(dirname "$0")/lib.sh"

quick=0
[ "${1:-}" = --quick ] && quick=1
build=$(flavour_dir test)
dir=$OUT/bench
bench_log=$LOGS/bench.log
[ -x "$build/linux" ] || die "no test kernel yet: run 'make build'"

# The modules: ours, and the base tree's 6.12 driver, which must stay as
# the package has it.
mkdir -p "$dir"
cp "$HARNESS/bench/Kbuild" "$HARNESS/bench/gpio-agg-bench.c" "$dir/"
tar -xJOf "$BASE_TARBALL" linux-source-6.12/drivers/gpio/gpio-aggregator.c \
	> "$dir/gpio-aggregator-v612.c.new" ||
	die "cannot read the 6.12 driver from $BASE_TARBALL"
cmp -s "$dir/gpio-aggregator-v612.c.new" "$dir/gpio-aggregator-v612.c" ||
	mv "$dir/gpio-aggregator-v612.c.new" "$dir/gpio-aggregator-v612.c"
rm -f "$dir/gpio-aggregator-v612.c.new"
run_logged "$LOGS/bench-build.log" "building the benchmark modules" \
	make -C "$build" ARCH=um CC="ccache gcc" M="$dir" modules
cc -O2 -Wall -Wextra -o "$dir/chardev-bench" "$HARNESS/bench/chardev-bench.c" \
	>> "$LOGS/bench-build.log" 2>&1 ||
	die "building chardev-bench failed; log: $LOGS/bench-build.log"

say "benchmark in the test kernel (log: $bench_log)"
export CONSOLE_LOG="$LOGS/console-bench.log"
rc=0
run_tee "$bench_log" sh "$HARNESS/boot.sh" \
	"BENCH_DIR=$dir QUICK=$quick CASES='${CASES:-}' sh $HARNESS/bench/run-bench.sh" > /dev/null || rc=$?
if [ "$rc" != 0 ]; then
	grep -v '^check: ' "$bench_log" | tail -n 20 >&2
	grep '^check: not ok ' "$bench_log" || true
	die "the benchmark failed (exit $rc); log: $bench_log"
fi

grep "^bench: \\|^scale: " "$bench_log"
echo
sh "$HARNESS/bench/table.sh" "$bench_log"
echo
sh "$HARNESS/bench/check.sh" "$bench_log" ||
	die "the benchmark's counts or values are wrong (check: not ok above); log: $bench_log"

[ -z "${CASES:-}" ] || exit 0

# Every case that ran directly ran through both aggregators too.
missing=$(awk '/^bench: / { split($2, kc, "="); split($3, ki, "=")
		seen[kc[2], ki[2]] = 1; cases[kc[2]] = 1 }
	END { for (name in cases) if (seen[name, "direct"])
		for (n = split("ours v6.12", im, " "); n; n--)
			if (!seen[name, im[n]]) print name " " im[n] }' "$bench_log")
[ -z "$missing" ] || die "cases missing from the benchmark: $missing; log: $bench_log"
# 35 cases on each of the three implementations (8 of them over the
# expanders), and 2 on ours alone
cases=$(grep -c '^bench: ' "$bench_log")
[ "$cases" = 107 ] || die "$cases benchmark lines, not 107; log: $bench_log"
say "benchmark: $cases cases"
