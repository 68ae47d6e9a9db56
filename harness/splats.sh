#!/bin/sh
# splats.sh LOG: fail, listing them, if LOG holds any kernel splat: a BUG,
# WARNING, Oops, call trace, KASAN/UBSAN/lockdep/debugobjects report,
# kmemleak's report of new leaks ("N new suspected memory leaks", and with
# kmemleak.verbose each "unreferenced object") or kmemleak turning itself
# off, a hung task or a panic.
log=$1
[ -f "$log" ] || { echo "*** no kernel log at $log" >&2; exit 1; }
pattern='(BUG:|WARNING:|Oops|Call Trace|kernel BUG|KASAN|UBSAN|ODEBUG:|list_(add|del) corruption|INFO: task .* blocked|INFO: rcu|Kernel panic|general protection|soft lockup|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|unreferenced object|kmemleak: [0-9]+ new suspected memory leak|kmemleak: Kernel memory leak detector disabled|kmemleak: Cannot |kmemleak: Memory pool empty)'

if grep -a -E -n "$pattern" "$log" > /dev/null; then
	echo "*** kernel splats in $log:" >&2
	grep -a -E -n "$pattern" "$log" | head -n 20 >&2
	exit 1
fi
exit 0
