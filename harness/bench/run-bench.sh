#!/bin/sh
# Runs inside the test kernel for `make bench`: every case on every
# implementation, one line per case and implementation:
#   bench: case=<name> impl=<direct|ours|v6.12> ns_per_op=<median> min=<ns> max=<ns> parent_calls=<per op or -> parents=<n or -> wire_bytes=<per op or -> values=<ok|wrong|->
# (parents: how many parent chips were called; values: whether the lines
# read back what was set, after the timing), then the scaling figures.
# A run that fails (an operation's error, a chardev-bench that fails)
# prints "check: not ok <case> <impl>: <why>" and stops the benchmark.
# Tooling, not product.
#
# The implementations take turns for several rounds, so that a burst of
# load on the host hits all of them alike; a case's figures are the median
# of its rounds' medians, the lowest minimum and the highest maximum.
#
# Environment: BENCH_DIR, where bench.sh built the modules and programs;
# QUICK=1 for one short pass (make test), with few iterations; CASES, a
# shell pattern, runs only the timed cases it matches, and no scaling.
set -eu

DRV=/sys/bus/platform/drivers/gpio-aggregator
CFS=/sys/kernel/config/gpio-aggregator
BENCH_DEBUGFS=/sys/kernel/debug/gpio-agg-bench
RUN=$BENCH_DEBUGFS/run
SIM=/sys/kernel/config/gpio-sim

if [ "${QUICK:-0}" = 1 ]; then
	ROUNDS=1 ITERS=200 REPEATS=3 CDEV_ITERS=20 EXP_ITERS=4 SCALE="1 10"
else
	ROUNDS=5 ITERS=20000 REPEATS=7 CDEV_ITERS=2000 EXP_ITERS=200 SCALE="1 10 100 1000"
fi
# The expanders: four PCA9555s (gpio-pca953x, 16 lines each) on i2c-stub
EXP_ADDRS="0x20 0x21 0x22 0x23"
ROUND_LOG=/run/bench-rounds

# spec LAYOUT N [LABELS]: the new_device spec of N lines of the mock
# parents (or of the four chips labelled LABELS), on one parent ("one"),
# four in blocks ("grouped") or four in turn ("interleaved"), or of the
# gpio-sim chip ("sim").
spec() {
	awk -v layout="$1" -v n="$2" -v labels="${3:-a b c d}" 'BEGIN {
		split(labels, p)
		if (layout == "one") { printf "%s 0-%d", p[1], n - 1; exit }
		if (layout == "sim") { printf "sim 0-%d", n - 1; exit }
		if (n < 4) { printf "%s 0-%d", p[1], n - 1; exit }
		if (layout == "grouped") {
			for (i = 1; i <= 4; i++)
				printf "%s%s 0-%d", (i > 1 ? " " : ""), p[i], n / 4 - 1
			exit
		}
		for (i = 0; i < n; i++)
			printf "%s%s %d", (i ? " " : ""), p[i % 4 + 1], int(i / 4)
	}'
}

# The expanders' chip labels (their I2C device names), set by exp_setup
EXP_LABELS=

# aggregators: the names of the sysfs aggregators, one a line.
aggregators() {
	for d in /sys/bus/platform/devices/gpio-aggregator.*; do
		[ ! -e "$d" ] || echo "${d##*/}"
	done
}

# new_aggregator SPEC: create an aggregator and print its device name.
new_aggregator() {
	before=$(aggregators)
	echo "$1" > "$DRV/new_device"
	aggregators | grep -vxF "$before" | head -n 1
}

# selected CASE: whether CASE is to run.
selected() {
	# shellcheck disable=SC2254 # CASES is a pattern
	case $1 in
	${CASES:-*}) return 0 ;;
	*) return 1 ;;
	esac
}

# The rounds' output goes to a file: a failure is reported on fd 3, the
# script's own output.
exec 3>&1

# run_failed CASE IMPL WHY: report a run that failed, and stop.
run_failed() {
	echo "check: not ok $1 $2: $3" >&3
	exit 1
}

# result CASE IMPL OP TARGET: run one in-kernel case and print its line.
# The calls into gpio-sim are not counted. For the expanders (exp-*), the
# parent calls are the SMBus transfers and the parents their addresses;
# their lines are not read back (on i2c-stub an input is not its output).
result() {
	iters=$ITERS readback=1
	case $1 in
	exp-*) iters=$EXP_ITERS readback=0 ;;
	esac
	echo "$readback" > "$BENCH_DEBUGFS/readback"
	echo "$3 $iters $REPEATS $4" 2> /run/bench-err > "$RUN" ||
		run_failed "$1" "$2" "the run failed ($(cat /run/bench-err)): $(dmesg | grep gpio_agg_bench | tail -n 1)"
	awk -v name="$1" -v impl="$2" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		calls = f["parent_calls"]; parents = f["parents"]; wire = "-"
		if (name ~ /^sim-/) calls = parents = "-"
		if (name ~ /^exp-/) {
			calls = f["transfers"]; parents = f["addresses"]; wire = f["wire_bytes"]
		}
		printf "round: case=%s impl=%s ns_per_op=%s min=%s max=%s parent_calls=%s parents=%s wire_bytes=%s values=%s\n",
			name, impl, f["ns_per_op"], f["min"], f["max"], calls, parents, wire, f["values"]
	}' "$RUN"
}

# kernel_case CASE IMPL OP LAYOUT N [LABELS]
kernel_case() {
	selected "$1" || return 0
	s=$(spec "$4" "$5" "${6:-}")
	if [ "$2" = direct ]; then
		result "$1" "$2" "$3" "$s"
		return
	fi
	agg=$(new_aggregator "$s")
	result "$1" "$2" "$3" "$agg 0-$(($5 - 1))"
	echo "$agg" > "$DRV/delete_device"
}

# chip_dev LABEL: /dev/gpiochipN of the chip labelled LABEL.
chip_dev() {
	gpiodetect | awk -v label="[$1]" '$2 == label { print "/dev/" $1; found = 1 }
		END { exit !found }'
}

# cdev_case CASE IMPL OP N: the chardev, through an aggregator of N lines of
# one parent or on the parent itself.
cdev_case() {
	selected "$1" || return 0
	offsets=$(seq 0 $(($4 - 1)) | tr '\n' ' ')
	if [ "$2" = direct ]; then
		chip=$(chip_dev a)
	else
		agg=$(new_aggregator "a 0-$(($4 - 1))")
		chip=$(chip_dev "$agg")
	fi
	# shellcheck disable=SC2086
	times=$("$BENCH_DIR/chardev-bench" "$chip" "$3" "$CDEV_ITERS" "$REPEATS" \
		$offsets 2> /run/bench-err) ||
		run_failed "$1" "$2" "chardev-bench failed: $(cat /run/bench-err)"
	case $times in
	"ns_per_op="*) ;;
	*) run_failed "$1" "$2" "chardev-bench printed '$times'" ;;
	esac
	# chardev-bench checked that the lines read back what it set
	echo "round: case=$1 impl=$2 $times parent_calls=- parents=- wire_bytes=- values=ok"
	[ "$2" = direct ] || echo "$agg" > "$DRV/delete_device"
}

cases_for() {
	impl=$1
	kernel_case get-1 "$impl" get one 1
	kernel_case set-1 "$impl" set one 1
	for op in get_multiple set_multiple; do
		kernel_case "$op-1" "$impl" "$op" one 1
		for n in 8 64 512; do
			for layout in one grouped interleaved; do
				kernel_case "$op-$n-$layout" "$impl" "$op" "$layout" "$n"
			done
		done
	done
	kernel_case sim-get_multiple-64 "$impl" get_multiple sim 64
	kernel_case exp-get-1 "$impl" get one 1 "$EXP_LABELS"
	kernel_case exp-set-1 "$impl" set one 1 "$EXP_LABELS"
	for op in get_multiple set_multiple; do
		kernel_case "exp-$op-16-one" "$impl" "$op" one 16 "$EXP_LABELS"
		for layout in grouped interleaved; do
			kernel_case "exp-$op-64-$layout" "$impl" "$op" "$layout" 64 "$EXP_LABELS"
		done
	done
	for op in get set; do
		for n in 1 64; do
			cdev_case "cdev-$op-$n" "$impl" "$op" "$n"
		done
	done
}

# combine: one bench: line per case and implementation from the round:
# lines on stdin, in the order they first came. The counts of the last
# round are kept (they are the same in every round, or a check fails);
# values are "wrong" when any round read back wrong values.
combine() {
	awk '{
		key = $2 " " $3
		if (!(key in n)) { order[++keys] = key; n[key] = 0 }
		split($4, v, "="); med[key, ++n[key]] = v[2]
		split($5, v, "="); if (!(key in lo) || v[2] + 0 < lo[key]) lo[key] = v[2] + 0
		split($6, v, "="); if (!(key in hi) || v[2] + 0 > hi[key]) hi[key] = v[2] + 0
		if (calls[key] != "" && calls[key] != $7 " " $8 " " $9)
			calls[key] = "parent_calls=varied parents=varied wire_bytes=varied"
		else
			calls[key] = $7 " " $8 " " $9
		if (vals[key] != "values=wrong") vals[key] = $10
	}
	END {
		for (k = 1; k <= keys; k++) {
			key = order[k]
			# insertion sort of the few medians
			for (i = 2; i <= n[key]; i++)
				for (j = i; j > 1 && med[key, j - 1] + 0 > med[key, j] + 0; j--) {
					t = med[key, j]; med[key, j] = med[key, j - 1]; med[key, j - 1] = t
				}
			printf "bench: %s ns_per_op=%d min=%d max=%d %s %s\n", key,
				med[key, int((n[key] + 1) / 2)], lo[key], hi[key], calls[key], vals[key]
		}
	}'
}

# now_ns: a monotonic-enough clock for the scaling figures.
now_ns() {
	date +%s%N
}

slab_kb() {
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}

# scale_line CASE T0 SLAB0: print the time and the slab growth since T0.
scale_line() {
	echo "scale: case=$1 impl=ours ms=$(( ($(now_ns) - $2) / 1000000 )) slab_kb=$(( $(slab_kb) - $3 ))"
}

# pick_parent I: set $parent to the mock parent of the I-th single-line
# aggregator (a for the first 512, then b...), without a subshell.
pick_parent() {
	pick=$(($1 / 512))
	set -- a b c d e f g h
	shift "$pick"
	parent=$1
}

# Creating and destroying many aggregators, one line each, and a big one.
# Only the writes are timed: the names are listed once, after.
scale_cases() {
	for k in $SCALE; do
		before=$(aggregators)
		t=$(now_ns) s=$(slab_kb) i=0
		while [ $i -lt "$k" ]; do
			pick_parent $i
			echo "$parent $((i % 512))" > "$DRV/new_device"
			i=$((i + 1))
		done
		scale_line "sysfs-create-$k" "$t" "$s"
		aggs=$(aggregators | grep -vxF "$before")
		[ "$(echo "$aggs" | wc -l)" = "$k" ] ||
			{ echo "bench: $k aggregators asked, $(echo "$aggs" | wc -l) made" >&2; exit 1; }
		t=$(now_ns)
		for a in $aggs; do echo "$a" > "$DRV/delete_device"; done
		scale_line "sysfs-destroy-$k" "$t" "$s"

		t=$(now_ns) s=$(slab_kb) i=0
		while [ $i -lt "$k" ]; do
			pick_parent $i
			mkdir "$CFS/s$i" "$CFS/s$i/line0"
			echo "$parent" > "$CFS/s$i/line0/key"
			echo $((i % 512)) > "$CFS/s$i/line0/offset"
			echo 1 > "$CFS/s$i/live"
			i=$((i + 1))
		done
		scale_line "configfs-create-$k" "$t" "$s"
		t=$(now_ns) i=0
		while [ $i -lt "$k" ]; do
			echo 0 > "$CFS/s$i/live"
			rmdir "$CFS/s$i/line0" "$CFS/s$i"
			i=$((i + 1))
		done
		scale_line "configfs-destroy-$k" "$t" "$s"
	done

	t=$(now_ns) s=$(slab_kb)
	big=$(new_aggregator "a 0-511 b 0-511 c 0-511 d 0-511 e 0-511 f 0-511 g 0-511 h 0-511")
	scale_line sysfs-create-4096-lines "$t" "$s"
	result get-1-of-4096 ours get "$big 4095" | combine
	echo "$big" > "$DRV/delete_device"
	small=$(new_aggregator "h 508-511")
	result get-1-of-4 ours get "$small 3" | combine
	echo "$small" > "$DRV/delete_device"
}

# The gpio-sim parent: 64 lines, labelled "sim"
modprobe gpio-sim
mkdir "$SIM/bench" "$SIM/bench/bank0"
echo 64 > "$SIM/bench/bank0/num_lines"
echo sim > "$SIM/bench/bank0/label"
echo 1 > "$SIM/bench/live"

# exp_setup: the expanders, and EXP_LABELS the labels of their chips
exp_setup() {
	modprobe i2c-stub "chip_addr=$(echo "$EXP_ADDRS" | tr ' ' ,)"
	modprobe gpio-pca953x
	for adapter in /sys/bus/i2c/devices/i2c-*; do
		[ "$(cat "$adapter/name")" != "SMBus stub driver" ] || bus=${adapter##*-}
	done
	for addr in $EXP_ADDRS; do
		echo "pca9555 $addr" > "/sys/bus/i2c/devices/i2c-$bus/new_device"
		label=$(printf '%s-%04x' "$bus" "$addr")
		chip_dev "$label" > /dev/null ||
			{ echo "bench: the PCA9555 at $addr registered no chip" >&2; exit 1; }
		EXP_LABELS="${EXP_LABELS:+$EXP_LABELS }$label"
	done
}

exp_teardown() {
	for addr in $EXP_ADDRS; do
		echo "$addr" > "/sys/bus/i2c/devices/i2c-$bus/delete_device"
	done
	rmmod gpio-pca953x i2c-stub
}

exp_setup
insmod "$BENCH_DIR/gpio-agg-bench.ko"

# The timed cases, in rounds, before the scaling cases churn the slab with
# thousands of devices.
: > "$ROUND_LOG"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	cases_for direct >> "$ROUND_LOG"
	modprobe gpio-aggregator
	cases_for ours >> "$ROUND_LOG"
	rmmod gpio-aggregator
	insmod "$BENCH_DIR/gpio-aggregator-v612.ko"
	cases_for v6.12 >> "$ROUND_LOG"
	rmmod gpio_aggregator_v612
	round=$((round + 1))
done
combine < "$ROUND_LOG"
if [ -z "${CASES:-}" ]; then
	modprobe gpio-aggregator
	scale_cases
	rmmod gpio-aggregator
fi

rmmod gpio_agg_bench
exp_teardown
echo 0 > "$SIM/bench/live"
rmdir "$SIM/bench/bank0" "$SIM/bench"
