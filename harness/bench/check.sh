#!/bin/sh
# check.sh LOG: the benchmark's deterministic figures as tests. Prints one
# line per assertion on the bench: lines of LOG,
#   check: ok <what>            or   check: not ok <what>: <why>
# and the "check: not ok" lines the run itself printed (a run that failed),
# and exits 1 when any failed. Timings are never checked.
#
# For each case, two assertions:
# - values: on every implementation, the lines read back what was set
#   (the module's readback, or chardev-bench's); the expander cases, whose
#   inputs are not their outputs on i2c-stub, are checked by the selftests'
#   expander group instead and must say "-";
# - calls: how often the parents were called, counted in the kernel. Ours
#   calls each parent chip touched once per operation: parent_calls =
#   parents = the distinct parents of the case's layout. Direct access and
#   the 6.12 driver call a parent once per run of consecutive lines of one
#   chip. For the expander cases (exp-*) parent_calls counts SMBus
#   transfers: one pca953x call over 16 lines is one transfer per 8-bit
#   bank (2), one line's get or set is one transfer.
# The layout is read from the case name: <op>-<lines>-<one|grouped|
# interleaved> (one parent, four in blocks, four in turn), or a single line.
set -eu

log=$1
grep '^check: not ok ' "$log" || true
awk '
function want(c, impl,    n, layout, m, per_call, runs, distinct) {
	# distinct parents, runs of one chip, and the calls (or transfers) of
	# one call into a parent, from the case name
	m = split(c, part, "-")
	layout = part[m]
	n = part[m - 1] + 0
	distinct = (layout == "grouped" || layout == "interleaved") ? 4 : 1
	runs = layout == "interleaved" ? n : distinct
	per_call = 1
	if (c ~ /^exp-/ && c ~ /_multiple/)
		per_call = 2
	W_PARENTS = distinct
	if (impl == "ours")
		W_CALLS = distinct * per_call
	else
		W_CALLS = runs * per_call
}
function check(ok, what, why) {
	if (ok) print "check: ok " what
	else { print "check: not ok " what ": " why; failed = 1 }
}
/^bench: / {
	delete f
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	c = f["case"]; impl = f["impl"]
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	val[c, impl] = f["values"]
	calls[c, impl] = f["parent_calls"]
	parents[c, impl] = f["parents"]
}
END {
	split("direct ours v6.12", impls, " ")
	for (k = 1; k <= n; k++) {
		c = order[k]
		bad = ""
		for (j = 1; j <= 3; j++) {
			impl = impls[j]
			if (!((c, impl) in val))
				continue
			v = val[c, impl]
			if (c ~ /^exp-/ ? v != "-" : v != "ok")
				bad = bad sprintf(" %s gave values=%s", impl, v)
		}
		check(bad == "", "bench: " c ": the values read back are the values set",
			(c ~ /^exp-/ ? "expander cases must not read back (values=-)," : "") bad)

		# gpio-sim and the chardev cases count no calls
		if (c ~ /^(sim|cdev)-/)
			continue
		bad = ""
		what = ""
		for (j = 1; j <= 3; j++) {
			impl = impls[j]
			if (!((c, impl) in calls))
				continue
			want(c, impl)
			what = what sprintf(" %s %d/%d", impl, W_CALLS, W_PARENTS)
			if (calls[c, impl] + 0 != W_CALLS || calls[c, impl] !~ /^[0-9]+\.00$/ ||
			    parents[c, impl] + 0 != W_PARENTS)
				bad = bad sprintf(" %s: %s per op over %s parents, wanted %d over %d;",
					impl, calls[c, impl], parents[c, impl], W_CALLS, W_PARENTS)
		}
		check(bad == "", "bench: " c ": " (c ~ /^exp-/ ? "transfers" : "parent calls") \
			" per op / parents called, counted in the kernel:" what, bad)
	}
	if (!n) check(0, "bench: the log has results", "no bench: line in it")
	exit failed
}' "$log" || exit 1
! grep -q '^check: not ok ' "$log"
