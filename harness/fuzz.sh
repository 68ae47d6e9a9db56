#!/bin/sh
# make fuzz: the aggregator's fuzzer (the malformed_fuzz case of
# gpio-aggregator.sh, which runs gpio-aggregator-fuzz.py) for any seed and
# length, on the debug kernel, then a kmemleak scan that must be empty. Any
# splat fails the run (boot.sh).
#
# Environment: SEED (default: a random one; always printed) and N, the
# number of operations (default 10000). The same seed gives the same
# operations: rerun a failure with its SEED and N.
. "$(dirname "$0")/lib.sh"

seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
n=${N:-10000}
case $seed$n in
*[!0-9]*) die "SEED and N must be numbers (SEED='$seed' N='$n')" ;;
esac
log=$LOGS/fuzz.log
script=$SRC/tools/testing/selftests/gpio/gpio-aggregator.sh
[ -f "$script" ] || die "no selftest at $script: run 'make tree'"

CONSOLE_LOG=$LOGS/console-fuzz.log
DEBUG=1
export CONSOLE_LOG DEBUG
cmd="sh $HARNESS/guest/kmemleak.sh clear || exit 1
GPIO_AGGREGATOR_FUZZ_SEED=$seed GPIO_AGGREGATOR_FUZZ_N=$n $script malformed_fuzz; rc=\$?
sh $HARNESS/guest/kmemleak.sh report || rc=3
exit \$rc"

say "fuzzing on the debug kernel: SEED=$seed N=$n (log: $log)"
t0=$(date +%s)
rc=0
run_tee "$log" sh "$HARNESS/boot.sh" "$cmd" || rc=$?
say "fuzzing took $(( $(date +%s) - t0 )) s (SEED=$seed N=$n)"
case $rc in
0) say "fuzz passed: no unexpected outcome, nothing left behind, no leak, no splat" ;;
125) die "fuzz: the kernel failed: splat, crash or timeout (see $CONSOLE_LOG); rerun with SEED=$seed N=$n" ;;
3) die "fuzz: kmemleak found leaks (see $log and $CONSOLE_LOG); rerun with SEED=$seed N=$n" ;;
*) die "fuzz failed (exit $rc; see $log); rerun with SEED=$seed N=$n" ;;
esac
