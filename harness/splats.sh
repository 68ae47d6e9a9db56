#!/bin/sh
# splats.sh LOG: fail, listing them, if LOG holds any kernel splat: a BUG,
# WARNING, Oops, call trace, KASAN/UBSAN/lockdep/kmemleak/debugobjects
# report, hung task or panic.
log=$1
[ -f "$log" ] || { echo "*** no kernel log at $log" >&2; exit 1; }
pattern='(BUG:|WARNING:|Oops|Call Trace|kernel BUG|KASAN|UBSAN|unreferenced object|ODEBUG:|list_(add|del) corruption|INFO: task .* blocked|INFO: rcu|Kernel panic|general protection|soft lockup|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage)'

if grep -a -E -n "$pattern" "$log" > /dev/null; then
	echo "*** kernel splats in $log:" >&2
	grep -a -E -n "$pattern" "$log" | head -n 20 >&2
	exit 1
fi
exit 0
