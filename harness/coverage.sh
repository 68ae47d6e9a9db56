#!/bin/sh
# Line and branch coverage of drivers/gpio/gpio-aggregator.c by the KUnit
# suites and the selftests, with lcov. The debug kernel profiles
# gpio-aggregator.o alone with gcov (kconfig/debug.config, build.sh), and
# its runs of the selftests (selftest.sh) and of the KUnit modules
# (kunit-debug.sh) save their counters in out/coverage/<step>/ (there is no
# separate coverage kernel: UML's own gcov needs CONFIG_MODULES off). This
# script adds them up against the build's gpio-aggregator.gcno and writes:
#   out/logs/coverage.log       lcov's summary by step and in all, and every
#                               line never run, with its text
#   out/logs/coverage.summary   the figures in all, as make test prints them
#   out/coverage/total.info     the lcov trace (genhtml makes HTML of it)
# and records one result in the step "coverage": line coverage of at least
# COVERAGE_MIN percent (default 90). It fails when a step's counters are
# missing or older than the build.
. "$(dirname "$0")/lib.sh"

name=coverage
min=${COVERAGE_MIN:-90}
cov=$OUT/coverage
log=$LOGS/coverage.log
summary=$LOGS/coverage.summary
obj=$(flavour_dir debug)/drivers/gpio/gpio-aggregator
steps="kunit-debug selftest-debug"
mkdir -p "$RESULTS"
: > "$RESULTS/$name"
rm -f "$summary"
: > "$log"

fail() {
	echo "*** $*" >> "$log"
	record "$name" "not ok" "$name: $*"
	say "coverage: $*"
	exit 1
}

command -v lcov > /dev/null || fail "lcov not found ('make deps' installs it)"
[ -f "$obj.gcno" ] ||
	fail "no $obj.gcno: the debug kernel is not built with gcov (make build DEBUG=1)"

lcov() {
	command lcov --quiet --rc lcov_branch_coverage=1 "$@"
}

# capture STEP: the lcov trace of one step's counters, in $cov/STEP.info.
# geninfo needs the .gcda next to the .gcno: both are copied to a scratch
# directory, and the sources are found from the build directory, where
# the compiler ran.
capture() {
	gcda=$cov/$1/gpio-aggregator.gcda
	[ -s "$gcda" ] ||
		fail "no counters of step $1 ($gcda): run it on the debug kernel first (make coverage)"
	[ -n "$(find "$gcda" -newer "$obj.gcno")" ] ||
		fail "the counters of step $1 ($gcda) are older than the build ($obj.gcno): run the step again"
	work=$cov/$1/work
	rm -rf "$work"
	mkdir -p "$work"
	cp "$obj.gcno" "$gcda" "$work/"
	lcov --capture --directory "$work" --base-directory "$(flavour_dir debug)" \
		--output-file "$cov/$1.info" >> "$log" 2>&1 ||
		fail "lcov could not read the counters of step $1 (see $log)"
}

# figures INFO: "lines P% (N of M), branches P% (N of M)" of INFO, for
# gpio-aggregator.c alone.
figures() {
	lcov --extract "$1" '*/drivers/gpio/gpio-aggregator.c' --output-file "$1.agg" \
		>> "$log" 2>&1 || return 1
	awk -F '[:,]' '
	/^DA:/ { lines++; if ($3 > 0) lhit++ }
	/^BRDA:/ { br++; if ($5 != "-" && $5 > 0) bhit++ }
	END {
		if (!lines) exit 1
		printf "lines %.1f%% (%d of %d), branches %.1f%% (%d of %d)\n",
			100 * lhit / lines, lhit, lines,
			(br ? 100 * bhit / br : 0), bhit, br
	}' "$1.agg"
}

infos=
for s in $steps; do
	capture "$s"
	infos="$infos --add-tracefile $cov/$s.info"
	echo "$s alone: $(figures "$cov/$s.info")" >> "$log"
done
# shellcheck disable=SC2086
lcov $infos --output-file "$cov/total.info" >> "$log" 2>&1 ||
	fail "lcov could not add up the counters (see $log)"
total=$(figures "$cov/total.info") || fail "no line of gpio-aggregator.c in the counters (see $log)"
echo "coverage of drivers/gpio/gpio-aggregator.c by KUnit and the selftests: $total" |
	tee -a "$log" > "$summary"

# The lines never run, with their text.
src=$SRC/drivers/gpio/gpio-aggregator.c
never=$(awk -F '[:,]' '/^DA:/ && $3 == 0 { print $2 }' "$cov/total.info.agg" | sort -n)
echo "lines never run: $(echo "$never" | grep -c .)" | tee -a "$summary" >> "$log"
for n in $never; do
	printf '%5d: %s\n' "$n" "$(sed -n "${n}p" "$src")"
done >> "$log"

# lcov 1.16 loads geninfo twice, and perl warns of every subroutine
sed -i '/^Subroutine .* redefined at /d' "$log"

percent=$(echo "$total" | sed 's/^lines \([0-9.]*\)%.*/\1/')
if awk -v p="$percent" -v m="$min" 'BEGIN { exit !(p >= m) }'; then
	record "$name" ok "$name: line coverage of gpio-aggregator.c at least $min%"
else
	record "$name" "not ok" "$name: line coverage of gpio-aggregator.c at least $min% (it is $percent%; lines never run in $log)"
fi
say "$total (lines never run: $log)"
