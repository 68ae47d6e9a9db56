#!/bin/sh
# make run: boot the test kernel and show the aggregator at work
# (guest/demo.sh). Its output is also kept in out/logs/run.log.
. "$(dirname "$0")/lib.sh"

log=$LOGS/run.log
rc=0
export CONSOLE_LOG="$LOGS/console-run.log"
run_tee "$log" sh "$HARNESS/boot.sh" "sh $HARNESS/guest/demo.sh" || rc=$?
[ "$rc" = 0 ] || die "the demo failed (exit $rc); log: $log, kernel console: $LOGS/console-run.log"
