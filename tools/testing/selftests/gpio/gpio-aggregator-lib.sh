# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # globals set here are used by gpio-aggregator.sh
#
# Helpers of gpio-aggregator.sh, sourced by it: assertions, gpio-sim chips
# standing in for real GPIO controllers, aggregators created through sysfs
# and configfs, and cleaning up after a test case.
#
# Conventions: a test case runs in a subshell; fail() ends it. Helpers that
# print a value are meant for $(...) and never call fail(): they return
# non-zero instead. Helpers that check something call fail() themselves.
#
# Under User-Mode Linux every process costs: a $(...) (a forked subshell)
# takes about 20 ms on the test kernel and 50 ms on the debug kernel, a
# program such as cat a little more. The helpers that run in loops and in
# every case therefore read files with the read builtin and hand values
# back in variables (SIM_PATH, FOUND_CHIP, OUT) rather than on stdout.

AGG_MODULE=gpio-aggregator
SIM_MODULE=gpio-sim
AGG_DRIVER=/sys/bus/platform/drivers/gpio-aggregator
NEW_DEVICE=$AGG_DRIVER/new_device
DELETE_DEVICE=$AGG_DRIVER/delete_device
AGG_CONFIGFS=/sys/kernel/config/gpio-aggregator
SIM_CONFIGFS=/sys/kernel/config/gpio-sim
PLATFORM_DEVICES=/sys/bus/platform/devices

# Platform devices of harness/dts/test.dts
DT_SIM_DEVICE=gpio-sim-dt
SIM_DRIVER=/sys/bus/platform/drivers/gpio-sim
DT_SIM_LABEL=dt-sim
DT_CONSUMERS="hatch slow-hatch inverted-hatch second-slow-hatch no-gpios"

# Upper bound, in seconds, of every wait for a condition.
TIMEOUT=${GPIO_AGGREGATOR_TIMEOUT:-10}

CASE=setup
WORK=

# ---------------------------------------------------------------------------
# Reporting and assertions

note() {
	printf '# %s\n' "$*"
}

# fail MSG: report MSG and end the current test case.
fail() {
	note "$CASE: $*"
	exit 1
}

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}

# write_attr VALUE FILE: write VALUE and a newline to FILE in one write(2).
write_attr() {
	printf '%s\n' "$1" > "$2"
}

# run_captured CMD...: run CMD in this shell, not in a subshell, with its
# output (stdout and stderr) in OUT, trailing newlines cut as $(...) would;
# returns CMD's status.
run_captured() {
	local file=${WORK:-/tmp}/captured.$BASHPID rc=0

	"$@" > "$file" 2>&1 || rc=$?
	OUT=
	IFS= read -r -d '' OUT < "$file"
	OUT=${OUT%"${OUT##*[!$'\n']}"}
	return "$rc"
}

# must CMD...: run CMD; fail the test case, showing its errors, if it fails.
must() {
	run_captured "$@" || fail "'$*' failed: $OUT"
}

# errno_text ERRNO: the strerror() text that the shell and tools print.
errno_text() {
	case $1 in
	EINVAL) echo "Invalid argument" ;;
	ENOENT) echo "No such file or directory" ;;
	EBUSY) echo "Device or resource busy" ;;
	EPERM) echo "Operation not permitted" ;;
	EACCES) echo "Permission denied" ;;
	ENOTEMPTY) echo "Directory not empty" ;;
	ENODEV) echo "No such device" ;;
	*) return 1 ;;
	esac
}

# expect_errno ERRNO CMD...: CMD must fail, and with ERRNO.
expect_errno() {
	local errno=$1 text

	shift
	text=$(errno_text "$errno") || fail "expect_errno: unknown errno $errno"
	if run_captured "$@"; then
		fail "'$*' succeeded, expected $errno"
	fi
	case $OUT in
	*"$text"*) ;;
	*) fail "'$*' failed with '$OUT', expected $errno ($text)" ;;
	esac
}

# expect_rmmod_refused MODULE: rmmod refuses to unload MODULE because it is
# in use (kmod's rmmod says so, and fails with EBUSY, when the module's
# reference count is not 0), and MODULE stays loaded.
expect_rmmod_refused() {
	local out

	if out=$(rmmod "$1" 2>&1); then
		fail "rmmod $1 succeeded, expected it to be refused (in use)"
	fi
	case $out in
	*"Module ${1//-/_} is in use"*) ;;
	*) fail "rmmod $1 failed with '$out', expected 'Module ${1//-/_} is in use'" ;;
	esac
	module_loaded "$1" || fail "$1 unloaded although rmmod failed"
}

# now_us: wall clock in microseconds, without forking.
now_us() {
	local t=$EPOCHREALTIME

	echo $(( 10#${t/[.,]/} ))
}

# timed_write VALUE FILE: write_attr VALUE FILE; WRITE_US is how long the
# write took, in microseconds, and $WORK/write.err holds its errors. Only
# the write(2) is timed: no process is started in between.
timed_write() {
	local t0 t1 rc=0

	t0=$EPOCHREALTIME
	write_attr "$1" "$2" 2> "$WORK/write.err" || rc=$?
	t1=$EPOCHREALTIME
	WRITE_US=$(( 10#${t1/[.,]/} - 10#${t0/[.,]/} ))
	return "$rc"
}

# nap: pause 20 ms between two polls; a read that times out on a FIFO
# nobody writes (opened by nap_open in main) instead of starting sleep(1).
nap() {
	if [ -n "${NAP_FD:-}" ]; then
		read -r -t 0.02 -u "$NAP_FD" _
	else
		sleep 0.02
	fi
	return 0
}

# nap_open DIR: the FIFO of nap, in DIR.
nap_open() {
	mkfifo "$1/nap" && exec {NAP_FD}<> "$1/nap"
}

# wait_for SECONDS CMD...: poll CMD until it succeeds; fail after SECONDS.
wait_for() {
	local t=$EPOCHREALTIME deadline

	deadline=$(( 10#${t/[.,]/} + $1 * 1000000 ))
	shift
	until "$@"; do
		t=$EPOCHREALTIME
		(( 10#${t/[.,]/} < deadline )) || return 1
		nap
	done
}

# ---------------------------------------------------------------------------
# Kernel log

KMSG_MARK=
KMSG_SEQ=0

# kmsg_mark: put a unique line into the kernel log; kmsg_since_mark prints
# what the kernel logged after it. Unique by the shell, the time and a
# count ($RANDOM once gave two marks of one case the same value).
kmsg_mark() {
	KMSG_SEQ=$((KMSG_SEQ + 1))
	KMSG_MARK="gpio-aggregator selftest: $CASE mark $BASHPID.$EPOCHREALTIME.$KMSG_SEQ"
	printf '%s\n' "$KMSG_MARK" > /dev/kmsg
}

# kmsg_since_mark: the kernel's lines after the last copy of the mark.
kmsg_since_mark() {
	dmesg | awk -v mark="$KMSG_MARK" '
			{ sub(/^\[[^]]*\] */, ""); sub(/^\[ *[TC][0-9]*\] */, "") }
			$0 == mark { seen = 1; out = ""; next }
			seen { out = out $0 "\n" }
			END { printf "%s", out }'
}

# expect_one_kmsg TOKEN: since kmsg_mark, the kernel logged one line, and
# it names TOKEN. An empty TOKEN would match any line: it is refused.
expect_one_kmsg() {
	local msgs count newlines

	[ -n "${1:-}" ] || fail "expect_one_kmsg: no text to look for"
	msgs=$(kmsg_since_mark)
	# Lines: its newlines and one ($(...) cut the last newline).
	newlines=${msgs//[!$'\n']/}
	count=0
	[ -z "$msgs" ] || count=$(( ${#newlines} + 1 ))
	[ "$count" = 1 ] || fail "expected one kernel message, got $count: $msgs"
	case $msgs in
	*"$1"*) ;;
	*) fail "kernel message '$msgs' does not name '$1'" ;;
	esac
}

# expect_kmsg_line LINE: since kmsg_mark, the kernel logged LINE, whole,
# once (among other lines).
expect_kmsg_line() {
	local msgs

	msgs=$(kmsg_since_mark)
	[ "$(grep -cxF "$1" <<< "$msgs")" = 1 ] ||
		fail "expected the kernel line '$1' once, got: $msgs"
}

# expect_refused ERRNO TOKEN CMD...: CMD fails with ERRNO, and the kernel
# logs one line about it, naming TOKEN.
expect_refused() {
	local errno=$1 token=$2

	shift 2
	kmsg_mark
	expect_errno "$errno" "$@"
	expect_one_kmsg "$token"
}

# ---------------------------------------------------------------------------
# Background processes

# spawn OUT CMD...: run CMD in the background with its output in OUT; its pid
# is left in SPAWNED. cleanup_all() stops whatever a test case left running.
spawn() {
	local out=$1

	shift
	"$@" > "$out" 2>&1 &
	SPAWNED=$!
	echo "$SPAWNED" >> "$WORK/pids"
}

# pid_gone PID: the process has exited (a zombie counts as exited).
pid_gone() {
	local stat

	read -r stat 2> /dev/null < "/proc/$1/stat" || return 0
	stat=${stat##*) }
	[ "${stat%% *}" = Z ]
}

# stop PID...: end processes this script spawned, and reap them.
stop() {
	local pid

	for pid; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		wait_for "$TIMEOUT" pid_gone "$pid" || note "pid $pid does not stop"
	done
}

# ---------------------------------------------------------------------------
# Modules

module_loaded() {
	[ -d "/sys/module/${1//-/_}" ]
}

load_modules() {
	module_loaded "$SIM_MODULE" || modprobe "$SIM_MODULE" || return 1
	module_loaded "$AGG_MODULE" || modprobe "$AGG_MODULE" || return 1
}

# ---------------------------------------------------------------------------
# GPIO chips and lines, through the libgpiod 1.6 tools

# chip_summary CHIP: gpiodetect's line for CHIP: "gpiochipN [label] (K lines)"
chip_summary() {
	gpiodetect | grep "^$1 "
}

# chip_with_label LABEL: the gpiochipN whose label is LABEL.
chip_with_label() {
	gpiodetect | awk -v l="[$1]" '$2 == l { print $1; found = 1 }
		END { exit !found }'
}

chip_label() {
	chip_summary "$1" | sed -n 's/^[^ ]* \[\(.*\)\] ([0-9]* lines)$/\1/p'
}

chip_num_lines() {
	chip_summary "$1" | sed -n 's/.* (\([0-9]*\) lines)$/\1/p'
}

# line_info CHIP OFFSET: gpioinfo's words for the line: name, consumer,
# direction, active state and flags, e.g. '"open" unused input active-high'
line_info() {
	gpioinfo "$1" | awk -v off="$2:" '$1 == "line" && $2 == off {
		$1 = $2 = ""; sub(/^ +/, ""); print }'
}

# line_name CHIP OFFSET: the name of the line without quotes, or "unnamed".
# A quoted name may hold spaces.
line_name() {
	local info

	info=$(line_info "$1" "$2") || return 1
	if [[ $info == \"* ]]; then
		info=${info#\"}
		echo "${info%%\"*}"
	else
		echo "${info%% *}"
	fi
}

# expect_values CHIP "OFFSETS" "VALUES": gpioget reads VALUES from the lines.
expect_values() {
	local got

	# shellcheck disable=SC2086 # OFFSETS is a list
	got=$(gpioget "$1" $2 2>&1) || fail "gpioget $1 $2 failed: $got"
	expect_eq "values of $1 lines $2" "$got" "$3"
}

# line_free CHIP OFFSET: nobody holds the line (gpioget can request it).
line_free() {
	gpioget "$1" "$2" > /dev/null 2>&1
}

# expect_line_busy CHIP OFFSET
expect_line_busy() {
	expect_errno EBUSY gpioget "$1" "$2"
}

# chip_gone CHIP: /dev/CHIP no longer exists.
chip_gone() {
	[ ! -e "/dev/$1" ]
}

# ---------------------------------------------------------------------------
# gpio-sim chips. A SIM is the name of a gpio-sim configfs chip with one
# bank, or "dt" for the bank declared in harness/dts/test.dts.

# sim_create SIM NUM_LINES LABEL [LINE_NAME...]: a live one-bank chip; "-"
# leaves a line unnamed.
sim_create() {
	local sim=$1 num=$2 label=$3 dir=$SIM_CONFIGFS/$1 i=0 name

	shift 3
	must mkdir "$dir" "$dir/bank0"
	must write_attr "$num" "$dir/bank0/num_lines"
	must write_attr "$label" "$dir/bank0/label"
	for name; do
		if [ "$name" != - ]; then
			must mkdir "$dir/bank0/line$i"
			must write_attr "$name" "$dir/bank0/line$i/name"
		fi
		i=$((i + 1))
	done
	must write_attr 1 "$dir/live"
	[ -e "/dev/$(sim_chip "$sim")" ] || fail "sim chip $sim has no /dev node"
}

# sim_remove SIM: take a configfs chip down and remove it.
sim_remove() {
	local dir=$SIM_CONFIGFS/$1 live path gone=()

	[ -d "$dir" ] || return 0
	read -r live < "$dir/live"
	[ "$live" = 0 ] || write_attr 0 "$dir/live"
	# One rmdir, children first
	for path in "$dir"/bank0/line* "$dir/bank0"; do
		[ -d "$path" ] && gone+=("$path")
	done
	rmdir "${gone[@]}" "$dir"
}

# sim_find_chip SIM: FOUND_CHIP is the gpiochipN of the chip.
sim_find_chip() {
	if [ "$1" = dt ]; then
		dev_find_chip "$DT_SIM_DEVICE"
		return
	fi
	read -r FOUND_CHIP 2> /dev/null < "$SIM_CONFIGFS/$1/bank0/chip_name"
}

# sim_chip SIM: gpiochipN of the chip.
sim_chip() {
	sim_find_chip "$1" && echo "$FOUND_CHIP"
}

# sim_find_attr SIM OFFSET ATTR: SIM_PATH is the sysfs file "value" or
# "pull" of a line.
sim_find_attr() {
	local dev=$DT_SIM_DEVICE

	if [ "$1" != dt ]; then
		read -r dev 2> /dev/null < "$SIM_CONFIGFS/$1/dev_name" || return 1
	fi
	sim_find_chip "$1" || return 1
	SIM_PATH=$PLATFORM_DEVICES/$dev/$FOUND_CHIP/sim_gpio$2/$3
}

# sim_line_attr SIM OFFSET ATTR: print that file's path.
sim_line_attr() {
	sim_find_attr "$@" && echo "$SIM_PATH"
}

# sim_attr_is SIM OFFSET ATTR VALUE: the line's attribute reads VALUE.
sim_attr_is() {
	local value

	sim_find_attr "$1" "$2" "$3" || return 1
	read -r value < "$SIM_PATH" || return 1
	[ "$value" = "$4" ]
}

# sim_value SIM OFFSET: the line's level: what it drives as an output,
# its pull as an input.
sim_value() {
	local value

	sim_find_attr "$1" "$2" value || return 1
	read -r value < "$SIM_PATH" && echo "$value"
}

sim_pull_is() {
	sim_attr_is "$1" "$2" pull "$3"
}

sim_value_is() {
	sim_attr_is "$1" "$2" value "$3"
}

# sim_pull SIM OFFSET pull-up|pull-down: what drives an input line.
sim_pull() {
	sim_find_attr "$1" "$2" pull || fail "sim $1 has no line $2"
	must write_attr "$3" "$SIM_PATH"
}

# expect_sim_value SIM OFFSET VALUE: the line reaches VALUE (waits a little:
# the value may come from a process started in the background).
expect_sim_value() {
	wait_for "$TIMEOUT" sim_value_is "$1" "$2" "$3" ||
		fail "sim $1 line $2 is $(sim_value "$1" "$2"), expected $3"
}

# expect_line_map CHIP SIM:OFFSET...: line i of CHIP forwards to the i-th
# parent line: with only that parent pulled up, CHIP reads 1 on line i only.
expect_line_map() {
	local chip=$1 n=$(($# - 1)) i j offsets want parents

	shift
	parents=("$@")
	offsets=$(seq -s ' ' 0 $((n - 1)))
	expect_eq "number of lines of $chip" "$(chip_num_lines "$chip")" "$n"
	# Turn every line into an input so that pulls set the values.
	# shellcheck disable=SC2086
	must gpioget "$chip" $offsets
	for ((i = 0; i < n; i++)); do
		want=
		for ((j = 0; j < n; j++)); do
			if ((i == j)); then
				sim_pull "${parents[j]%:*}" "${parents[j]#*:}" pull-up
				want+=" 1"
			else
				sim_pull "${parents[j]%:*}" "${parents[j]#*:}" pull-down
				want+=" 0"
			fi
		done
		expect_values "$chip" "$offsets" "${want# }"
	done
}

# ---------------------------------------------------------------------------
# I2C expanders: four PCA9555s (gpio-pca953x; 16 lines in two 8-bit banks)
# on i2c-stub, the kernel's SMBus adapter in software, which keeps every
# register of the addresses it answers for as last written. The driver
# reads and writes them over SMBus; Debian's i2c-tools reach the same
# registers through i2c-dev (-f: the driver holds the address). Registers
# of a PCA9555: input levels 0x00 (lines 0-7) and 0x01 (8-15), outputs
# 0x02 and 0x03. An expander's chip is labelled with its I2C device name,
# "<bus>-00<address>", which is the key of its lines in an aggregator.

EXP_ADDRS="0x20 0x21 0x22 0x23"
EXP_BUS=

# exp_find_bus: FOUND_BUS is the number of i2c-stub's adapter.
exp_find_bus() {
	local adapter name

	for adapter in /sys/bus/i2c/devices/i2c-*; do
		read -r name 2> /dev/null < "$adapter/name" || continue
		[ "$name" = "SMBus stub driver" ] || continue
		FOUND_BUS=${adapter##*-}
		return 0
	done
	return 1
}

# exp_bus: print that number.
exp_bus() {
	exp_find_bus && echo "$FOUND_BUS"
}

# exp_label ADDR: the label of the expander's chip, e.g. 0-0021.
exp_label() {
	printf '%s-%04x\n' "$EXP_BUS" "$1"
}

# exp_chip ADDR: gpiochipN of the expander.
exp_chip() {
	chip_with_label "$(exp_label "$1")"
}

exp_has_chip() {
	exp_chip "$1" > /dev/null
}

# exp_add ADDR: a PCA9555 at ADDR, with its chip registered.
exp_add() {
	must write_attr "pca9555 $1" "/sys/bus/i2c/devices/i2c-$EXP_BUS/new_device"
	wait_for "$TIMEOUT" exp_has_chip "$1" ||
		fail "the PCA9555 at $1 registered no GPIO chip"
	expect_eq "lines of the PCA9555 at $1" "$(chip_num_lines "$(exp_chip "$1")")" 16
}

# exp_remove ADDR: delete the expander's I2C device.
exp_remove() {
	must write_attr "$1" "/sys/bus/i2c/devices/i2c-$EXP_BUS/delete_device"
}

# exp_load MODULE [ARG...]: load MODULE, and remember in $WORK/exp-modules
# to unload it, if it was not loaded yet.
exp_load() {
	module_loaded "$1" && return 0
	echo "$1" >> "$WORK/exp-modules"
	must modprobe "$@"
}

# exp_find_modules: EXP_MODULES is the array of the modules exp_setup
# loaded, last first.
exp_find_modules() {
	local -a loaded=()
	local i

	EXP_MODULES=()
	[ ! -f "$WORK/exp-modules" ] || mapfile -t loaded < "$WORK/exp-modules"
	for ((i = ${#loaded[@]} - 1; i >= 0; i--)); do
		EXP_MODULES+=("${loaded[i]}")
	done
}

# exp_setup: i2c-stub at the four addresses, a PCA9555 at each.
exp_setup() {
	local addr

	exp_load i2c-dev
	exp_load i2c-stub "chip_addr=$(tr ' ' , <<< "$EXP_ADDRS")"
	exp_load gpio-pca953x
	exp_find_bus || fail "i2c-stub registered no adapter"
	EXP_BUS=$FOUND_BUS
	[ -e "/dev/i2c-$EXP_BUS" ] || fail "no /dev/i2c-$EXP_BUS for i2c-tools"
	for addr in $EXP_ADDRS; do
		exp_add "$addr"
	done
}

# exp_find_clients: EXP_CLIENTS is the array of the I2C devices on
# i2c-stub's adapter.
exp_find_clients() {
	local path

	EXP_CLIENTS=()
	exp_find_bus || return 0
	for path in /sys/bus/i2c/devices/"$FOUND_BUS"-*; do
		[ -e "$path" ] && EXP_CLIENTS+=("${path##*/}")
	done
	return 0
}

# exp_teardown: remove the expanders and unload the modules (best effort:
# leftovers() reports what stays).
exp_teardown() {
	local client module left=()

	exp_find_clients
	for client in "${EXP_CLIENTS[@]}"; do
		write_attr "0x${client#*-00}" "/sys/bus/i2c/devices/i2c-$FOUND_BUS/delete_device"
	done
	[ -f "$WORK/exp-modules" ] || return 0
	exp_find_modules
	for module in "${EXP_MODULES[@]}"; do
		! module_loaded "$module" || rmmod "$module"
	done
	# What could not be unloaded stays listed (first loaded first), for
	# leftovers()
	for module in "${EXP_MODULES[@]}"; do
		! module_loaded "$module" || left=("$module" "${left[@]}")
	done
	if [ ${#left[@]} = 0 ]; then
		rm -f "$WORK/exp-modules"
	else
		printf '%s\n' "${left[@]}" > "$WORK/exp-modules"
	fi
}

# exp_reg ADDR REG: the register's value as i2cget prints it, e.g. 0x0f.
exp_reg() {
	i2cget -f -y "$EXP_BUS" "$1" "$2" 2>&1
}

# exp_reg_is ADDR REG VALUE
exp_reg_is() {
	[ "$(exp_reg "$1" "$2")" = "$3" ]
}

# exp_write_reg ADDR REG VALUE: write the register with i2cset.
exp_write_reg() {
	must i2cset -f -y "$EXP_BUS" "$1" "$2" "$3"
}

# exp_expect_reg ADDR REG VALUE: the register reaches VALUE (waits a
# little: the value may come from a process started in the background).
exp_expect_reg() {
	wait_for "$TIMEOUT" exp_reg_is "$1" "$2" "$3" ||
		fail "register $2 of the PCA9555 at $1 is $(exp_reg "$1" "$2"), expected $3"
}

# Lines of an aggregator over expanders and gpio-sim chips, for the checks
# below, are described one word a line, in the aggregator's order:
# "ADDR:OFFSET" for an expander line, "sim:SIM:OFFSET" for a gpio-sim
# line; a trailing "!" marks a line the aggregator inverts (active-low).

# exp_map_regs BASE MAP LEVELS: for each expander in MAP, "ADDR REG VALUE"
# of its registers from BASE (0 inputs, 2 outputs) whose bits of the
# mapped lines are the physical LEVELS and whose other bits are as now.
exp_map_regs() {
	local base=$1 i=0 word addr off v key reg bit
	local -A regs
	local -a values

	read -r -a values <<< "$3"
	for word in $2; do
		v=${values[i]}
		i=$((i + 1))
		[[ $word == sim:* ]] && continue
		word=${word%!}
		addr=${word%:*}
		off=${word#*:}
		key="$addr $((base + off / 8))"
		if [ -z "${regs[$key]:-}" ]; then
			reg=$(exp_reg "$addr" $((base + off / 8))) ||
				fail "i2cget of $addr failed: $reg"
			regs[$key]=$((reg))
		fi
		bit=$((1 << (off % 8)))
		reg=${regs[$key]}
		regs[$key]=$(( (reg & ~bit) | (v ? bit : 0) ))
	done
	for key in "${!regs[@]}"; do
		printf '%s 0x%02x 0x%02x\n' "${key% *}" "${key#* }" "${regs[$key]}"
	done
}

# exp_expect_set CHIP MAP VALUES: gpioset sets VALUES (logical) on all lines
# of CHIP in one request; each expander's output registers and each
# gpio-sim line then hold them.
exp_expect_set() {
	local chip=$1 map=$2 i=0 word args=() levels="" pid addr reg value
	local -a values

	read -r -a values <<< "$3"
	for word in $map; do
		value=${values[i]}
		args+=("$i=$value")
		[[ $word == *! ]] && value=$((!value))
		levels+=" $value"
		i=$((i + 1))
	done
	spawn "$WORK/gpioset.out" gpioset --mode=signal "$chip" "${args[@]}"
	pid=$SPAWNED
	while read -r addr reg value; do
		exp_expect_reg "$addr" "$reg" "$value"
	done <<< "$(exp_map_regs 2 "$map" "$levels")"
	i=0
	read -r -a values <<< "$levels"
	for word in $map; do
		if [[ $word == sim:* ]]; then
			word=${word#sim:}
			word=${word%!}
			expect_sim_value "${word%:*}" "${word#*:}" "${values[i]}"
		fi
		i=$((i + 1))
	done
	pid_gone "$pid" && fail "gpioset $chip ${args[*]} ended: $(cat "$WORK/gpioset.out")"
	stop "$pid"
}

# exp_expect_get CHIP MAP LEVELS: with the expanders' input registers
# (i2cset) and the gpio-sim pulls set to the physical LEVELS, gpioget reads
# all lines of CHIP in one request and gets them (inverted where active-low).
exp_expect_get() {
	local chip=$1 map=$2 i=0 word line addr reg value want="" offsets
	local -a levels

	read -r -a levels <<< "$3"
	offsets=$(seq -s ' ' 0 $((${#levels[@]} - 1)))
	# Inputs first: a gpio-sim line that was an output keeps its value
	# when its pull changes
	# shellcheck disable=SC2086 # a list
	must gpioget "$chip" $offsets
	while read -r addr reg value; do
		exp_write_reg "$addr" "$reg" "$value"
	done <<< "$(exp_map_regs 0 "$map" "$3")"
	for word in $map; do
		value=${levels[i]}
		if [[ $word == sim:* ]]; then
			line=${word#sim:}
			line=${line%!}
			sim_pull "${line%:*}" "${line#*:}" \
				"$( ((value)) && echo pull-up || echo pull-down)"
		fi
		[[ $word == *! ]] && value=$((!value))
		want+=" $value"
		i=$((i + 1))
	done
	expect_values "$chip" "$offsets" "${want# }"
}

# ---------------------------------------------------------------------------
# Aggregators created through sysfs

# agg_devices: names of the gpio-aggregator.N platform devices.
agg_devices() {
	local path

	for path in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
		[ -e "$path" ] && echo "${path##*/}"
	done
}

# sysfs_mirrors: the _sysfs.N configfs entries.
sysfs_mirrors() {
	local path

	for path in "$AGG_CONFIGFS"/_sysfs*; do
		[ -e "$path" ] && echo "${path##*/}"
	done
}

# agg_new SPEC: write SPEC to new_device; AGG is the device it created,
# WRITE_US how long the write took.
agg_new() {
	local -A before=()
	local path dev

	for path in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
		before[${path##*/}]=1
	done
	timed_write "$1" "$NEW_DEVICE" ||
		fail "writing '$1' to new_device failed: $(cat "$WORK/write.err")"
	AGG=
	for path in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
		dev=${path##*/}
		if [ ! -e "$path" ] || [ -n "${before[$dev]:-}" ]; then
			continue
		fi
		[ -z "$AGG" ] || fail "new_device '$1' created $AGG and $dev"
		AGG=$dev
	done
	[ -n "$AGG" ] || fail "new_device '$1' created no device"
}

# agg_id DEV: N of gpio-aggregator.N
agg_id() {
	echo "${1##*.}"
}

agg_delete() {
	must write_attr "$1" "$DELETE_DEVICE"
}

# dev_find_chip DEV: FOUND_CHIP is the gpiochipN registered by platform
# device DEV; fails when there is none.
dev_find_chip() {
	local path

	for path in "$PLATFORM_DEVICES/$1"/gpiochip*; do
		[ -e "$path" ] && FOUND_CHIP=${path##*/} && return 0
	done
	return 1
}

# dev_chip DEV: print that gpiochipN.
dev_chip() {
	dev_find_chip "$1" && echo "$FOUND_CHIP"
}

dev_has_chip() {
	dev_find_chip "$1"
}

dev_absent() {
	[ ! -e "$PLATFORM_DEVICES/$1" ]
}

# agg_chip DEV: wait for DEV to register its chip; CHIP is that chip.
agg_chip() {
	wait_for "$TIMEOUT" dev_find_chip "$1" || fail "$1 registered no GPIO chip"
	CHIP=$FOUND_CHIP
}

# expect_agg_gone DEV CHIP: the device, its chip and its configfs mirror
# are gone.
expect_agg_gone() {
	dev_absent "$1" || fail "$1 still exists"
	[ -z "$2" ] || wait_for "$TIMEOUT" chip_gone "$2" ||
		fail "/dev/$2 of $1 still exists"
	[ ! -e "$AGG_CONFIGFS/_sysfs.$(agg_id "$1")" ] ||
		fail "_sysfs.$(agg_id "$1") of $1 still exists"
}

# ---------------------------------------------------------------------------
# Aggregators created through configfs

# cfs_new NAME: mkdir an aggregator; CFS_DEV is its dev_name.
cfs_new() {
	must mkdir "$AGG_CONFIGFS/$1"
	CFS_DEV=$(cat "$AGG_CONFIGFS/$1/dev_name")
}

# cfs_line NAME INDEX KEY [OFFSET [LINE_NAME [ACTIVE_LOW]]]
cfs_line() {
	local dir=$AGG_CONFIGFS/$1/line$2

	must mkdir "$dir"
	must write_attr "$3" "$dir/key"
	[ -z "${4:-}" ] || must write_attr "$4" "$dir/offset"
	[ -z "${5:-}" ] || must write_attr "$5" "$dir/name"
	[ -z "${6:-}" ] || must write_attr "$6" "$dir/active_low"
}

# cfs_live NAME 0|1
cfs_live() {
	must write_attr "$2" "$AGG_CONFIGFS/$1/live"
}

# cfs_attr PATH: print the configfs attribute PATH (under the aggregators'
# directory), as cat would but with no program to start.
cfs_attr() {
	local value=

	[ -r "$AGG_CONFIGFS/$1" ] || { echo "no $AGG_CONFIGFS/$1" >&2; return 1; }
	IFS= read -r -d '' value < "$AGG_CONFIGFS/$1"
	printf '%s' "$value"
}

# cfs_remove NAME: take an aggregator down and remove it with its lines.
cfs_remove() {
	local dir=$AGG_CONFIGFS/$1 lines

	[ -d "$dir" ] || return 0
	# Even when live reads 0: the device may wait for a parent to return
	write_attr 0 "$dir/live"
	# One rmdir for all lines (there may be thousands), then the
	# aggregator's own directory.
	lines=("$dir"/line*)
	[ -d "${lines[0]}" ] || lines=()
	rmdir "${lines[@]}" "$dir"
}

# ---------------------------------------------------------------------------
# Examples of the admin guide, read from it at test time
#
# A shell example is a ".. code-block:: sh" directive right after the rST
# comment ".. example: NAME"; the output that a command should print is a
# ".. code-block:: text" after ".. example output: NAME". The guide is
# found from this directory, in the kernel tree as in the driver's repo.

DOC=${GPIO_AGGREGATOR_DOC:-$BASE_DIR/../../../../Documentation/admin-guide/gpio/gpio-aggregator.rst}

# doc_extract: write the body of every marked block of the guide,
# unindented, to $WORK/doc/example:NAME or $WORK/doc/output:NAME; once a
# run, with one awk (a program costs 0.1 s to start on the debug kernel).
# A marked block may be indented (in a list item): its body is what is
# indented more than its directive.
doc_extract() {
	[ -d "$WORK/doc" ] && return 0
	mkdir "$WORK/doc" || return 1
	awk -v dir="$WORK/doc" '
		function indent(s) { match(s, /^ */); return RLENGTH }
		/^ *\.\. example: / || /^ *\.\. example output: / {
			if (file != "")
				close(file)
			file = dir "/" (NF == 3 ? "example:" : "output:") $NF
			state = 1
			outer = indent($0)
			next
		}
		state == 1 && /^ *\.\. code-block::/ && indent($0) == outer {
			state = 2; body = 0; blank = 0; next
		}
		state == 1 && NF { state = 0; next }
		state == 2 && !NF { if (body) blank++; next }
		state == 2 && indent($0) > outer {
			if (!body && $1 ~ /^:[a-z-]+:/)
				next
			if (!body)
				inner = indent($0)
			for (; blank > 0; blank--)
				print "" > file
			print substr($0, inner + 1) > file
			body = 1
			next
		}
		state == 2 { state = 0 }' "$DOC"
}

# doc_block KIND NAME: set DOC_BLOCK to the body of the code block that the
# comment ".. example: NAME" (KIND example) or ".. example output: NAME"
# (KIND output) of the guide precedes; fails when there is none. A
# variable, not output: no subshell to start.
doc_block() {
	DOC_BLOCK=
	doc_extract || return 1
	[ -s "$WORK/doc/$1:$2" ] || return 1
	IFS= read -r -d '' DOC_BLOCK < "$WORK/doc/$1:$2"
	return 0
}

# doc_example NAME: run the shell example NAME of the guide in a subshell
# with set -e (no new bash to start: that is slow on the debug kernel), its
# output (stdout and stderr) in DOC_OUT; fail the test case, showing the
# commands and their output, when it fails or is not there. (Not
# "DOC_OUT=$(...) && ...": bash ignores set -e on the left of &&.)
doc_example() {
	local code line rc

	doc_block example "$1" || fail "no shell example '$1' in $DOC"
	code=${DOC_BLOCK%$'\n'}
	DOC_OUT=$(set -e; eval "$code" 2>&1)
	rc=$?
	[ "$rc" != 0 ] || return 0
	note "example '$1' of the guide:"
	while IFS= read -r line; do
		note "  $line"
	done <<< "$code"
	note "printed:"
	while IFS= read -r line; do
		note "  $line"
	done <<< "$DOC_OUT"
	fail "example '$1' of $DOC failed"
}

# doc_output NAME: print the output the guide gives for example NAME.
doc_output() {
	doc_block output "$1" && printf '%s' "$DOC_BLOCK"
}

# ---------------------------------------------------------------------------
# Devicetree consumers bound through driver_override

# dt_bound DEV: the devicetree device DEV is bound to gpio-aggregator.
dt_bound() {
	[ "$PLATFORM_DEVICES/$1/driver" -ef "$AGG_DRIVER" ]
}

# dt_bind DEV: hand a devicetree device to gpio-aggregator.
dt_bind() {
	must write_attr "$AGG_MODULE" "$PLATFORM_DEVICES/$1/driver_override"
	must write_attr "$1" "$AGG_DRIVER/bind"
}

# dt_unbind DEV: unbind it and forget the override.
dt_unbind() {
	if dt_bound "$1"; then
		write_attr "$1" "$AGG_DRIVER/unbind" || return 1
	fi
	write_attr "" "$PLATFORM_DEVICES/$1/driver_override"
}

# ---------------------------------------------------------------------------
# Clean state between test cases

# leftovers: describe what a test case left behind, one item per line.
leftovers() {
	local dev pid override

	module_loaded "$SIM_MODULE" || echo "module $SIM_MODULE not loaded"
	module_loaded "$AGG_MODULE" || echo "module $AGG_MODULE not loaded"
	exp_find_clients
	for dev in "${EXP_CLIENTS[@]}"; do
		echo "I2C device $dev on i2c-stub"
	done
	exp_find_modules
	for dev in "${EXP_MODULES[@]}"; do
		! module_loaded "$dev" || echo "module $dev loaded"
	done
	for dev in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
		[ -e "$dev" ] && echo "device ${dev##*/}"
	done
	for dev in "$AGG_CONFIGFS"/* "$SIM_CONFIGFS"/*; do
		[ -e "$dev" ] && echo "configfs entry $dev"
	done
	[ ! -e "$PLATFORM_DEVICES/$DT_SIM_DEVICE" ] ||
		[ -e "$PLATFORM_DEVICES/$DT_SIM_DEVICE/driver" ] ||
		echo "$DT_SIM_DEVICE is not bound"
	for dev in $DT_CONSUMERS; do
		[ -e "$PLATFORM_DEVICES/$dev" ] || continue
		[ -e "$PLATFORM_DEVICES/$dev/driver" ] && echo "$dev is bound"
		read -r override < "$PLATFORM_DEVICES/$dev/driver_override"
		[ "$override" = "(null)" ] || echo "$dev has a driver_override"
	done
	[ -f "$WORK/pids" ] || return 0
	while read -r pid; do
		pid_gone "$pid" ||
			echo "process $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline")) still runs"
	done < "$WORK/pids"
}

# cleanup_all: whatever a test case left behind, remove it (best effort).
cleanup_all() {
	local pid dir dev i ids

	if [ -f "$WORK/pids" ]; then
		while read -r pid; do
			pid_gone "$pid" && continue
			kill -TERM "$pid" 2>/dev/null
			wait_for "$TIMEOUT" pid_gone "$pid"
		done < "$WORK/pids"
		: > "$WORK/pids"
	fi
	load_modules 2>/dev/null
	[ ! -e "$PLATFORM_DEVICES/$DT_SIM_DEVICE" ] ||
		[ -e "$PLATFORM_DEVICES/$DT_SIM_DEVICE/driver" ] ||
		write_attr "$DT_SIM_DEVICE" "$SIM_DRIVER/bind" 2>/dev/null
	for dev in $DT_CONSUMERS; do
		[ -e "$PLATFORM_DEVICES/$dev" ] && dt_unbind "$dev" 2>/dev/null
	done
	# Newest first: an aggregator may hold lines of an older one. The ids
	# index an array, whose indices come out in increasing order.
	ids=()
	for dev in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
		[ -e "$dev" ] && ids[${dev##*.}]=1
	done
	ids=("${!ids[@]}")
	for ((i = ${#ids[@]} - 1; i >= 0; i--)); do
		[ -d "$AGG_CONFIGFS/_sysfs.${ids[i]}" ] &&
			write_attr "gpio-aggregator.${ids[i]}" "$DELETE_DEVICE"
	done 2>/dev/null
	for dir in "$AGG_CONFIGFS"/*; do
		[ -d "$dir" ] || continue
		case ${dir##*/} in
		_sysfs*) read -r dev < "$dir/dev_name" && write_attr "$dev" "$DELETE_DEVICE" ;;
		*) cfs_remove "${dir##*/}" ;;
		esac
	done 2>/dev/null
	for dev in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
		[ -e "$dev" ] && write_attr "${dev##*/}" "$DELETE_DEVICE"
	done 2>/dev/null
	for dir in "$SIM_CONFIGFS"/*; do
		[ -d "$dir" ] && sim_remove "${dir##*/}"
	done 2>/dev/null
	exp_teardown 2>/dev/null
}
