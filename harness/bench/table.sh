#!/bin/sh
# table.sh LOG: the bench lines of LOG as tables, one row per case: the
# expander cases (exp-*) first, then the others, with the ratios
# ours/direct and v6.12/ours of the median times, then the scale: lines.
#
# The expander table also gives the minima and a column computed, not
# measured: each case's time on a real 400 kHz I2C bus, the measured time
# plus the bits the case's SMBus transfers put on the wire (the bytes
# counted by the benchmark module, 9 bits each: 8 and the acknowledge)
# at 400 kbit/s. i2c-stub itself answers in microseconds.
awk '
/^bench: / {
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	c = f["case"]
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	ns[c, f["impl"]] = f["ns_per_op"]
	lo[c, f["impl"]] = f["min"]
	calls[c, f["impl"]] = f["parent_calls"]
	wire[c, f["impl"]] = f["wire_bytes"]
}
function ratio(a, b) { return (a != "" && b != "" && b > 0) ? sprintf("%.2f", a / b) : "-" }
# bus_us C IMPL: the projection onto a 400 kHz bus, in microseconds
function bus_us(c, impl) {
	if (ns[c, impl] == "" || wire[c, impl] == "" || wire[c, impl] == "-")
		return ""
	return ns[c, impl] / 1000 + wire[c, impl] * 9 / 400000 * 1e6
}
function us(v) { return v == "" ? "-" : sprintf("%.0f", v) }
END {
	hdr = 0
	for (i = 1; i <= n; i++) {
		c = order[i]
		if (c !~ /^exp-/)
			continue
		if (!hdr++) {
			printf "Expanders (4 PCA9555 on i2c-stub): median and lowest ns per op, SMBus transfers per op as parent calls;\n"
			printf "at 400 kHz = computed, not measured: the median plus the transfers'\'' bytes x 9 bits / 400 kHz, in us\n"
			printf "%-32s %9s %9s %9s  %25s %12s %11s  %-15s %27s %11s\n", "case",
				"direct", "ours", "v6.12", "min (direct/ours/v6.12)", "ours/direct",
				"v6.12/ours", "transfers d/o/v", "at 400 kHz us (d/o/v)", "v6.12/ours"
		}
		d = bus_us(c, "direct"); o = bus_us(c, "ours"); v = bus_us(c, "v6.12")
		printf "%-32s %9s %9s %9s  %25s %12s %11s  %-15s %27s %11s\n", c,
			ns[c, "direct"], ns[c, "ours"], ns[c, "v6.12"],
			lo[c, "direct"] "/" lo[c, "ours"] "/" lo[c, "v6.12"],
			ratio(ns[c, "ours"], ns[c, "direct"]), ratio(ns[c, "v6.12"], ns[c, "ours"]),
			sprintf("%d/%d/%d", calls[c, "direct"], calls[c, "ours"], calls[c, "v6.12"]),
			us(d) "/" us(o) "/" us(v), ratio(v, o)
	}
	if (hdr)
		print ""
	printf "%-30s %10s %10s %10s %12s %12s  %s\n", "case", "direct", "ours", "v6.12",
		"ours/direct", "v6.12/ours", "parent calls (direct/ours/v6.12)"
	for (i = 1; i <= n; i++) {
		c = order[i]
		if (c ~ /^exp-/)
			continue
		printf "%-30s %10s %10s %10s %12s %12s  %s/%s/%s\n", c,
			ns[c, "direct"], ns[c, "ours"], ns[c, "v6.12"],
			ratio(ns[c, "ours"], ns[c, "direct"]), ratio(ns[c, "v6.12"], ns[c, "ours"]),
			calls[c, "direct"], calls[c, "ours"], calls[c, "v6.12"]
	}
}' "$1"
grep '^scale: ' "$1" | sed 's/^scale: //'
