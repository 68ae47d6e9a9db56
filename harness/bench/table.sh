#!/bin/sh
# table.sh LOG: the bench lines of LOG as a table, one row per case, with
# the ratios ours/direct and v6.12/ours of the median times.
awk '
/^bench: / {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	c = f["case"]
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	ns[c, f["impl"]] = f["ns_per_op"]
	calls[c, f["impl"]] = f["parent_calls"]
}
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
END {
	printf "%-30s %10s %10s %10s %12s %12s  %s\n", "case", "direct", "ours", "v6.12",
		"ours/direct", "v6.12/ours", "parent calls (direct/ours/v6.12)"
	for (i = 1; i <= n; i++) {
		c = order[i]
		printf "%-30s %10s %10s %10s %12s %12s  %s/%s/%s\n", c,
			ns[c, "direct"], ns[c, "ours"], ns[c, "v6.12"],
			ratio(ns[c, "ours"], ns[c, "direct"]), ratio(ns[c, "v6.12"], ns[c, "ours"]),
			calls[c, "direct"], calls[c, "ours"], calls[c, "v6.12"]
	}
}' "$1"
grep '^scale: ' "$1" | sed 's/^scale: //'
