#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # test cases are called by name
#
# Selftests of the GPIO aggregator (drivers/gpio/gpio-aggregator.c), with
# gpio-sim chips standing in for real GPIO controllers. Needs root, the
# gpio-sim and gpio-aggregator modules, configfs at /sys/kernel/config and
# the libgpiod 1.6 command line tools. The "devicetree" group needs a kernel
# booted with harness/dts/test.dts and is skipped without a devicetree; its
# dt_hatch_bind case needs udevadm. The cases that run the admin guide's
# examples need the guide, found from this directory in the kernel tree
# (or at $GPIO_AGGREGATOR_DOC). The "expander" group needs the i2c-stub,
# i2c-dev and gpio-pca953x modules and i2c-tools (i2cget, i2cset).
#
# Usage: gpio-aggregator.sh [-l] [GROUP|CASE...]
#   GROUP is sysfs, forward, configfs, devicetree, stress, malformed,
#   permissions, concurrency or expander; CASE is a test case name or a
#   glob matching names. Without arguments, the words of
#   $GPIO_AGGREGATOR_TESTS select, and without those every case runs.
#   -l lists the groups and their cases.
#
# The cases that run the examples of
# Documentation/admin-guide/gpio/gpio-aggregator.rst read them from it
# (doc_example); sysfs_doc_example first checks that every shell example
# there is run by a case.
#
# Output is KTAP, one result per test case; the exit status is non-zero when
# any case fails.

BASE_DIR=$(dirname "$0")
# shellcheck source=../kselftest/ktap_helpers.sh
source "$BASE_DIR/../kselftest/ktap_helpers.sh"
# shellcheck source=gpio-aggregator-lib.sh
source "$BASE_DIR/gpio-aggregator-lib.sh"

TIMED_SET=$BASE_DIR/gpio-aggregator-timed-set
WAIT_TOOL=$BASE_DIR/gpio-aggregator-wait

# ===========================================================================
# sysfs: new_device and delete_device

sysfs_attribute_modes() {
	expect_eq "mode of new_device" "$(stat -c %a "$NEW_DEVICE")" 200
	expect_eq "mode of delete_device" "$(stat -c %a "$DELETE_DEVICE")" 200
}

# doc_examples_all_run: every shell block of the guide, at any indentation
# (list items included), is either an example that a case of this script
# runs (".. example: NAME" before it, doc_example NAME here), an example
# that the VM test runs (NAME starting with "vm-": harness/vm.sh runs
# those), or a transcript that is not to be run (".. transcript: NAME"
# before it); every output of an example is checked (doc_output NAME); and
# no code hides in a literal block without a language. A shell block is
# one in a shell language, or one whose first line is a shell prompt ("$ "
# or "# "), whatever its language. One awk reads the script, then the guide.
doc_examples_all_run() {
	local problems line

	[ -f "$DOC" ] || fail "no admin guide at $DOC"
	problems=$(awk '
		function problem_at(n, msg) { printf "line %d: %s\n", n, msg }
		function problem(msg) { problem_at(FNR, msg) }
		function indent(s) { match(s, /^ */); return RLENGTH }
		# A shell block at line N: MARKED says whether an example or
		# transcript comment comes right before it.
		function shell_block(n, marked) {
			if (!marked)
				problem_at(n, "shell block, neither an example nor a transcript")
		}
		FNR == NR {
			if ($1 == "doc_example" && NF == 2)
				used["example " $2] = 1
			for (i = 1; i < NF; i++) {
				if ($i ~ /doc_output$/) {
					name = $(i + 1)
					gsub(/[^a-z0-9-]/, "", name)
					used["output " name] = 1
				}
			}
			next
		}
		pending && NF && !/^ *:[a-z-]+:/ {
			if (indent($0) > pending_indent && ($1 ~ /^[$#]$/ || $1 ~ /^#!/))
				shell_block(pending, pending_marked)
			pending = 0
		}
		/^ *\.\. (example|example output|transcript): / {
			name = $NF
			if ($2 == "transcript:")
				what = "transcript " name
			else if (NF == 3)
				what = "example " name
			else
				what = "output " name
			if (seen[what]++)
				problem("a second " what)
			if (what ~ /^(example|output) / && !(what in used) &&
			    name !~ /^vm-/)
				problem("no test case runs or checks " what)
		}
		/^ *\.\. (code-block|code|sourcecode)::/ {
			lang = $3
			marked = prev ~ /^ *\.\. (example|transcript): [a-z0-9-]+$/ &&
				 indent(prev) == indent($0)
			if (lang == "")
				problem("code block without a language")
			else if (lang ~ /^(sh|bash|shell|console|shell-session|sh-session|zsh)$/)
				shell_block(FNR, marked)
			else {
				pending = FNR
				pending_indent = indent($0)
				pending_marked = marked
			}
		}
		/::$/ && !/^ *\.\. [a-z-]+::$/ {
			problem("literal block without a language (use code-block)")
		}
		NF { prev = $0 }' "$BASE_DIR/gpio-aggregator.sh" "$DOC")
	[ -z "$problems" ] && return 0
	while IFS= read -r line; do
		note "$DOC: $line"
	done <<< "$problems"
	fail "the guide has code that no test runs"
}

# The examples of "Creating an aggregator through sysfs" and its mirror in
# configfs, in the order of the guide, on a system that has two aggregators
# already: the new one is gpio-aggregator.2, which the mirror and
# delete_device examples name. And first, that the tests run every example
# of the guide.
sysfs_doc_example() {
	local chip others

	doc_examples_all_run
	sim_create io 8 board-io
	sim_create relays 4 relay-board
	agg_new "board-io 0"
	agg_new "board-io 1"
	others=$(agg_devices)

	doc_example sysfs-new-device
	agg_chip gpio-aggregator.2
	expect_eq "devices" "$(agg_devices)" \
		"$others"$'\n'gpio-aggregator.2
	expect_eq "label" "$(chip_label "$CHIP")" gpio-aggregator.2
	expect_line_map "$CHIP" io:6 relays:2 relays:3

	# It inverts line 0, whose parent line expect_line_map left pulled down.
	doc_example sysfs-mirror
	agg_chip gpio-aggregator.2
	expect_values "$CHIP" 0 1

	chip=$CHIP
	doc_example sysfs-delete-device
	expect_agg_gone gpio-aggregator.2 "$chip"
	agg_delete gpio-aggregator.0
	agg_delete gpio-aggregator.1
	sim_remove io
	sim_remove relays
}

sysfs_gpiochip_name_key() {
	local a

	sim_create a 8 agg-sim-a
	sim_create b 8 agg-sim-b
	a=$(sim_chip a)
	agg_new "$a 1 agg-sim-b 2 $a 0"
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:1 b:2 a:0
	agg_delete "$AGG"
	sim_remove a
	sim_remove b
}

sysfs_order_kept() {
	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 3,1"
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:3 a:1
	agg_delete "$AGG"

	agg_new "agg-sim-a 5-7,0,3"
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:5 a:6 a:7 a:0 a:3
	agg_delete "$AGG"
	sim_remove a
}

sysfs_line_names() {
	sim_create a 8 agg-sim-a - agg-led-red - - agg-led-green
	sim_create b 8 agg-sim-b

	# Names and chip groups mixed; a name as the last token counts too.
	agg_new "agg-led-red agg-sim-b 2 agg-led-green"
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:1 b:2 a:4
	agg_delete "$AGG"

	agg_new "agg-led-green"
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:4
	agg_delete "$AGG"
	sim_remove a
	sim_remove b
}

# The 6.12 driver splits the description with next_arg(): a line name
# with white space in it is written in double quotes, which are not part of
# the name.
# The example of the guide.
sysfs_quoted_line_name() {
	local mirror

	sim_create io 8 board-io - - - - - "Door Lock"
	expect_eq "name of sim line 5" "$(line_name "$(sim_chip io)" 5)" "Door Lock"
	doc_example sysfs-quoted-name
	AGG=$(agg_devices)
	expect_eq "devices" "$AGG" gpio-aggregator.0
	agg_chip "$AGG"
	expect_line_map "$CHIP" io:5 io:3
	mirror=_sysfs.$(agg_id "$AGG")
	expect_eq "line0 key" "$(cfs_attr "$mirror/line0/key")" "Door Lock"
	expect_eq "line1 key" "$(cfs_attr "$mirror/line1/key")" board-io
	expect_eq "line1 offset" "$(cfs_attr "$mirror/line1/offset")" 3
	[ ! -e "$AGG_CONFIGFS/$mirror/line2" ] || fail "$mirror has a line2"
	agg_delete "$AGG"
	sim_remove io
}

# Names in UTF-8 whose encoding holds byte 0xa0 ("à" is c3 a0, "Р" d0 a0),
# which the kernel's isspace() takes for whitespace: as line names and as
# chip labels, quoted and not. gpio-sim trims its names with strim(), so
# 0xa0 is never their last byte here.
sysfs_utf8_names() {
	sim_create a 8 "Voilà-sim" - "Voilà-porte" "Рычаг вверх"
	sim_create b 4 "Voilà sim b"

	agg_new 'Voilà-porte Voilà-sim 3 "Рычаг вверх" "Voilà sim b" 0'
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:1 a:3 a:2 b:0
	expect_eq "line0 key" "$(cfs_attr "_sysfs.$(agg_id "$AGG")/line0/key")" \
		"Voilà-porte"
	agg_delete "$AGG"
	sim_remove a
	sim_remove b
}

sysfs_max_offset() {
	sim_create a 8 agg-sim-a
	# Well-formed: the device exists even though the chip has no such line.
	agg_new "agg-sim-a 65534"
	agg_delete "$AGG"
	expect_agg_gone "$AGG" ""
	sim_remove a
}

# check_malformed SPEC TOKEN: new_device rejects SPEC with EINVAL, logs one
# line naming TOKEN, and creates nothing.
check_malformed() {
	local devices mirrors

	devices=$(agg_devices)
	mirrors=$(sysfs_mirrors)
	kmsg_mark
	expect_errno EINVAL write_attr "$1" "$NEW_DEVICE"
	expect_one_kmsg "$2"
	expect_eq "devices after '$1'" "$(agg_devices)" "$devices"
	expect_eq "configfs mirrors after '$1'" "$(sysfs_mirrors)" "$mirrors"
}

sysfs_malformed_rejected() {
	local spec token bad=0

	sim_create a 8 agg-sim-a
	while IFS='|' read -r spec token; do
		( check_malformed "$spec" "$token" ) || bad=1
	done <<-EOF
	agg-sim-a 5-3|5-3
	agg-sim-a 3-|3-
	agg-sim-a -3|-3
	agg-sim-a 1-2-3|1-2-3
	agg-sim-a 1,,2|1,,2
	agg-sim-a ,1|,1
	agg-sim-a 1,|1,
	agg-sim-a 7,7|7
	agg-sim-a 0-7,6|6
	agg-sim-a 5 agg-sim-a 5|5
	agg-sim-a 65535|65535
	agg-sim-a 0-65535|65535
	agg-sim-a 4294967297|4294967297
	agg-sim-a 18446744073709551617|18446744073709551617
	agg-sim-a 2 agg-sim-a 5-3|5-3
	|no GPIO line given
	   |no GPIO line given
	EOF
	sim_remove a
	return "$bad"
}

sysfs_malformed_uses_no_id() {
	local first second

	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 0"
	first=$AGG
	expect_errno EINVAL write_attr "agg-sim-a 5-3" "$NEW_DEVICE"
	expect_errno EINVAL write_attr "" "$NEW_DEVICE"
	agg_new "agg-sim-a 1"
	second=$AGG
	expect_eq "id after rejected writes" "$(agg_id "$second")" \
		"$(( $(agg_id "$first") + 1 ))"
	expect_eq "configfs mirrors" "$(sysfs_mirrors | sort)" \
		"$(printf '_sysfs.%s\n' "$(agg_id "$first")" "$(agg_id "$second")" | sort)"
	agg_delete "$first"
	agg_delete "$second"
	sim_remove a
}

# deferred_reason DEV: the reason that /sys/kernel/debug/devices_deferred
# gives for platform device DEV; fails when DEV is not there.
deferred_reason() {
	awk -F '\t' -v dev="$1" '
		$1 == dev { sub(/^[^\t]*\t/, ""); print; found = 1 }
		END { exit !found }' /sys/kernel/debug/devices_deferred
}

# expect_deferred DEV REASON: DEV waits in deferred probe, and
# devices_deferred gives REASON for it, after the driver's name, as the
# guide says.
expect_deferred() {
	wait_for "$TIMEOUT" deferred_reason "$1" > /dev/null ||
		fail "$1 not in devices_deferred: $(cat /sys/kernel/debug/devices_deferred)"
	expect_eq "reason of $1 in devices_deferred" "$(deferred_reason "$1")" \
		"$AGG_MODULE: $2"
}

# expect_deferred_after DEV REASON PARENT: DEV, whose parent controller
# PARENT went away, waits in deferred probe with REASON, as expect_deferred,
# or with the driver core's reason when the probe tried again came while
# PARENT was still unbinding, as the guide says.
expect_deferred_after() {
	local got

	wait_for "$TIMEOUT" deferred_reason "$1" > /dev/null ||
		fail "$1 not in devices_deferred: $(cat /sys/kernel/debug/devices_deferred)"
	got=$(deferred_reason "$1")
	[ "$got" = "platform: supplier $3 not ready" ] && return 0
	expect_eq "reason of $1 in devices_deferred" "$got" "$AGG_MODULE: $2"
}

# expect_kmsg_is TEXT: since kmsg_mark, the kernel logged exactly TEXT, one
# line.
expect_kmsg_is() {
	expect_eq "kernel log" "$(kmsg_since_mark)" "$1"
}

# The messages about a refused description quote at most 64 bytes of a
# token, a quoted one included (its quotes are not part of it), and of the
# description.
sysfs_malformed_cut() {
	local long=
	local quoted

	while [ "${#long}" -lt 100 ]; do
		long+="Door Lock "
	done
	kmsg_mark
	expect_errno EINVAL write_attr "\"$long\" 5-3" "$NEW_DEVICE"
	expect_kmsg_is "gpio_aggregator: invalid GPIO offset '5-3' in '${long:0:64} 5-3'"
	kmsg_mark
	quoted="x${long// /}\"\""
	expect_errno EINVAL write_attr "$quoted" "$NEW_DEVICE"
	expect_kmsg_is "gpio_aggregator: quote inside GPIO line spec token '${quoted:0:64}'"
	kmsg_mark
	expect_errno EINVAL write_attr "\"$long" "$NEW_DEVICE"
	expect_kmsg_is "gpio_aggregator: unbalanced quote in '\"${long:0:63}'"
	expect_eq "devices" "$(agg_devices)" ""
}

sysfs_deferred_probe() {
	local first named

	agg_new "agg-late 1,0 agg-late-line"
	first=$AGG
	[ ! -e "$PLATFORM_DEVICES/$first/driver" ] || fail "$first bound without its chip"
	dev_has_chip "$first" && fail "$first has a chip without its parent chip"
	expect_deferred "$first" "line0: cannot get GPIO 1 of 'agg-late'"
	agg_new "agg-late-name"
	named=$AGG
	expect_deferred "$named" "line0: cannot get GPIO 'agg-late-name'"

	sim_create late 4 agg-late - - agg-late-name agg-late-line
	agg_chip "$first"
	expect_line_map "$CHIP" late:1 late:0 late:3
	agg_chip "$named"
	expect_line_map "$CHIP" late:2
	agg_delete "$named"
	agg_delete "$first"
	sim_remove late
}

sysfs_delete_device_errors() {
	local bad dev

	for bad in "" "foo" "gpio-aggregator" "gpio-aggregator." \
		   "gpio-aggregator.x" "gpio-aggregator.1x" "gpio-aggregator.-1" \
		   "gpio-sim.0"; do
		expect_refused EINVAL "'$bad'" write_attr "$bad" "$DELETE_DEVICE"
	done
	expect_refused ENOENT gpio-aggregator.9999 \
		write_attr gpio-aggregator.9999 "$DELETE_DEVICE"

	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 0"
	dev=$AGG
	agg_delete "$dev"
	expect_refused ENOENT "$dev" write_attr "$dev" "$DELETE_DEVICE"
	sim_remove a
}

sysfs_delete_releases_lines() {
	local a

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	agg_new "agg-sim-a 0,1"
	agg_chip "$AGG"
	[ -d "$AGG_CONFIGFS/_sysfs.$(agg_id "$AGG")" ] ||
		fail "no configfs mirror _sysfs.$(agg_id "$AGG")"
	expect_line_busy "$a" 0
	expect_line_busy "$a" 1
	agg_delete "$AGG"
	expect_agg_gone "$AGG" "$CHIP"
	line_free "$a" 0 || fail "line 0 of $a still busy after delete"
	line_free "$a" 1 || fail "line 1 of $a still busy after delete"
	sim_remove a
}

sysfs_unload_removes_devices() {
	local a first chip1 second chip2 waiting

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	agg_new "agg-sim-a 0"
	first=$AGG
	agg_chip "$first"
	chip1=$CHIP
	agg_new "agg-sim-a 1,2"
	second=$AGG
	agg_chip "$second"
	chip2=$CHIP
	agg_new "agg-absent 0"
	waiting=$AGG

	must rmmod "$AGG_MODULE"
	expect_agg_gone "$first" "$chip1"
	expect_agg_gone "$second" "$chip2"
	expect_agg_gone "$waiting" ""
	line_free "$a" 0 || fail "line 0 of $a still busy after unload"
	line_free "$a" 2 || fail "line 2 of $a still busy after unload"
	must modprobe "$AGG_MODULE"
	expect_eq "devices after reload" "$(agg_devices)" ""
	sim_remove a
}

# Creation cost: the cost per line of creating an aggregator of COST_LARGE
# lines and of one of COST_SMALL lines, and their ratio, reported as KTAP
# diagnostics. Measured, not gated: on a loaded 2-core host the ratio of
# two sub-second timings swings by more than any bound that would still
# mean something. What is asserted is that the chip exists when the write
# returns, with its lines where they should be. Each size is created
# COST_RUNS times and the fastest run counts: other work on the host only
# ever adds time. The lines come from gpio-sim chips
# of COST_SIM_LINES lines (its maximum), labelled agg-cost-0, agg-cost-1...
COST_SMALL=64
COST_LARGE=4096
COST_RUNS=3
COST_SIM_LINES=1024

cost_sims_create() {
	local i

	for ((i = 0; i * COST_SIM_LINES < COST_LARGE; i++)); do
		sim_create "cost$i" "$COST_SIM_LINES" "agg-cost-$i"
	done
}

cost_sims_remove() {
	local i

	for ((i = 0; i * COST_SIM_LINES < COST_LARGE; i++)); do
		sim_remove "cost$i"
	done
}

# cost_spec NUM: a new_device description of lines 0 to NUM - 1, in order,
# of the cost chips one after the other.
cost_spec() {
	local n=$1 i=0 spec=

	while ((n > COST_SIM_LINES)); do
		spec+="agg-cost-$i 0-$((COST_SIM_LINES - 1)) "
		n=$((n - COST_SIM_LINES))
		i=$((i + 1))
	done
	echo "${spec}agg-cost-$i 0-$((n - 1))"
}

# cost_check_chip CHIP NUM: CHIP has NUM lines; its first, last and a
# middle line forward to the cost chip lines they should.
cost_check_chip() {
	local chip=$1 n=$2 i sim

	expect_eq "number of lines of $chip" "$(chip_num_lines "$chip")" "$n"
	for i in 0 $((n / 2 + 1)) $((n - 1)); do
		sim=cost$((i / COST_SIM_LINES))
		sim_pull "$sim" $((i % COST_SIM_LINES)) pull-up
		expect_values "$chip" "$i" 1
		sim_pull "$sim" $((i % COST_SIM_LINES)) pull-down
		expect_values "$chip" "$i" 0
	done
}

# cost_min US: COST_MIN_US becomes US if that is less.
cost_min() {
	((COST_MIN_US && COST_MIN_US <= $1)) || COST_MIN_US=$1
}

# cost_report WHAT SMALL_US LARGE_US: print the cost per line of both sizes
# (the fastest creation of each) and their ratio.
cost_report() {
	local what=$1 small=$2 large=$3 ratio

	((small > 0)) || fail "$what: creating $COST_SMALL lines took no time"
	# ratio = (large / COST_LARGE) / (small / COST_SMALL), times 100
	ratio=$(( large * COST_SMALL * 100 / (small * COST_LARGE) ))
	note "$what: $COST_SMALL lines: $((small / COST_SMALL)) us/line;" \
	     "$COST_LARGE lines: $((large / COST_LARGE)) us/line;" \
	     "ratio $((ratio / 100)).$(printf %02d $((ratio % 100)))"
}

# cost_sysfs NUM: the fastest of COST_RUNS creations of NUM lines through
# new_device, in COST_MIN_US.
cost_sysfs() {
	local run

	COST_MIN_US=0
	for ((run = 0; run < COST_RUNS; run++)); do
		agg_new "$(cost_spec "$1")"
		cost_min "$WRITE_US"
		# The driver probes within the write: the time is the creation's.
		CHIP=$(dev_chip "$AGG") || fail "$AGG has no chip when new_device returns"
		((run)) || cost_check_chip "$CHIP" "$1"
		agg_delete "$AGG"
		expect_agg_gone "$AGG" "$CHIP"
	done
}

sysfs_creation_cost() {
	local small

	cost_sims_create
	cost_sysfs "$COST_SMALL"
	small=$COST_MIN_US
	cost_sysfs "$COST_LARGE"
	cost_report sysfs "$small" "$COST_MIN_US"
	cost_sims_remove
}

# ===========================================================================
# forward: what the aggregated chip passes on to the parent chips

forward_chip_label() {
	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 0-2"
	agg_chip "$AGG"
	expect_eq "gpiodetect" "$(chip_summary "$CHIP")" "$CHIP [$AGG] (3 lines)"
	agg_delete "$AGG"
	sim_remove a
}

# debugfs_chip_header CHIP: the line of /sys/kernel/debug/gpio about CHIP.
debugfs_chip_header() {
	grep "^$1: " /sys/kernel/debug/gpio
}

forward_can_sleep() {
	local header

	sim_create a 8 agg-sim-a
	header=$(debugfs_chip_header "$(sim_chip a)") || fail "no debugfs entry for sim"
	[[ $header == *"can sleep"* ]] || fail "gpio-sim chip cannot sleep: $header"
	agg_new "agg-sim-a 0"
	agg_chip "$AGG"
	header=$(debugfs_chip_header "$CHIP") || fail "no debugfs entry for $CHIP"
	[[ $header == *"can sleep"* ]] ||
		fail "chip with a sleeping parent cannot sleep: $header"
	agg_delete "$AGG"
	sim_remove a
}

forward_get_values() {
	sim_create a 8 agg-sim-a
	sim_create b 8 agg-sim-b
	agg_new "agg-sim-a 0 agg-sim-b 0 agg-sim-a 1 agg-sim-b 1"
	agg_chip "$AGG"
	# One line at a time, then all lines in one request.
	expect_line_map "$CHIP" a:0 b:0 a:1 b:1
	sim_pull a 0 pull-up
	sim_pull b 0 pull-down
	sim_pull a 1 pull-down
	sim_pull b 1 pull-up
	expect_values "$CHIP" "0 1 2 3" "1 0 0 1"
	sim_pull a 0 pull-down
	sim_pull b 0 pull-up
	sim_pull a 1 pull-up
	sim_pull b 1 pull-down
	expect_values "$CHIP" "0 1 2 3" "0 1 1 0"
	agg_delete "$AGG"
	sim_remove a
	sim_remove b
}

# check_set_values CHIP V0 V1 V2 V3: gpioset drives the four lines, each
# parent line against its pull.
check_set_values() {
	local chip=$1 pid

	sim_pull a 0 "$( (($2)) && echo pull-down || echo pull-up)"
	sim_pull b 0 "$( (($3)) && echo pull-down || echo pull-up)"
	sim_pull a 1 "$( (($4)) && echo pull-down || echo pull-up)"
	sim_pull b 1 "$( (($5)) && echo pull-down || echo pull-up)"
	spawn "$WORK/gpioset.out" gpioset --mode=signal "$chip" \
		0="$2" 1="$3" 2="$4" 3="$5"
	pid=$SPAWNED
	expect_sim_value a 0 "$2"
	expect_sim_value b 0 "$3"
	expect_sim_value a 1 "$4"
	expect_sim_value b 1 "$5"
	stop "$pid"
}

forward_set_values() {
	sim_create a 8 agg-sim-a
	sim_create b 8 agg-sim-b
	agg_new "agg-sim-a 0 agg-sim-b 0 agg-sim-a 1 agg-sim-b 1"
	agg_chip "$AGG"
	check_set_values "$CHIP" 1 0 0 1
	check_set_values "$CHIP" 0 1 1 0
	check_set_values "$CHIP" 1 1 1 1
	agg_delete "$AGG"
	sim_remove a
	sim_remove b
}

# debugfs_line_state CHIP OFFSET: direction and value of a requested line in
# /sys/kernel/debug/gpio, e.g. "out hi". gpiolib reads the value through
# the chip's get callback.
debugfs_line_state() {
	awk -v chip="$1:" -v off="$2" '
		/^$/ { in_chip = 0 }
		$1 == chip { split($3, range, "-"); line = "gpio-" (range[1] + off)
			     in_chip = 1; next }
		in_chip && $1 == line { sub(/^[^)]*\) */, ""); sub(/ *$/, "")
					print; found = 1; exit }
		END { exit !found }' /sys/kernel/debug/gpio
}

# expect_outputs CHIP V0 V1...: debugfs shows lines 0, 1... of CHIP as
# outputs driving V0, V1...
expect_outputs() {
	local chip=$1 i=0 v

	shift
	for v; do
		expect_eq "debugfs state of $chip line $i" \
			"$(debugfs_line_state "$chip" "$i")" \
			"out $( ((v)) && echo hi || echo lo)"
		i=$((i + 1))
	done
}

# check_nested_set_values CHIP V0 V1 V2 V3: as check_set_values, and the
# values read back through CHIP while gpioset holds the lines.
check_nested_set_values() {
	local chip=$1 pid

	shift
	sim_pull a 0 "$( (($1)) && echo pull-down || echo pull-up)"
	sim_pull b 0 "$( (($2)) && echo pull-down || echo pull-up)"
	sim_pull a 1 "$( (($3)) && echo pull-down || echo pull-up)"
	sim_pull b 1 "$( (($4)) && echo pull-down || echo pull-up)"
	spawn "$WORK/gpioset.out" gpioset --mode=signal "$chip" \
		0="$1" 1="$2" 2="$3" 3="$4"
	pid=$SPAWNED
	expect_sim_value a 0 "$1"
	expect_sim_value b 0 "$2"
	expect_sim_value a 1 "$3"
	expect_sim_value b 1 "$4"
	expect_outputs "$chip" "$@"
	stop "$pid"
}

# An aggregator over the lines of another one: every get and set goes
# through two forwarders, each taking its own lock, one inside the other.
forward_nested_aggregators() {
	local inner inner_chip outer outer_chip i

	sim_create a 8 agg-sim-a
	sim_create b 8 agg-sim-b
	agg_new "agg-sim-a 0,1 agg-sim-b 0,1"
	inner=$AGG
	agg_chip "$inner"
	inner_chip=$CHIP
	# Inner lines 0, 2, 1, 3 are a:0, b:0, a:1, b:1, interleaving the
	# two sim chips as forward_get_values and check_set_values expect.
	agg_new "$inner 0,2,1,3"
	outer=$AGG
	agg_chip "$outer"
	outer_chip=$CHIP
	for ((i = 0; i < 4; i++)); do
		expect_line_busy "$inner_chip" "$i"
	done
	expect_line_map "$outer_chip" a:0 b:0 a:1 b:1

	# All four lines in one request, both ways.
	sim_pull a 0 pull-up
	sim_pull b 0 pull-down
	sim_pull a 1 pull-down
	sim_pull b 1 pull-up
	expect_values "$outer_chip" "0 1 2 3" "1 0 0 1"
	sim_pull a 0 pull-down
	sim_pull b 0 pull-up
	sim_pull a 1 pull-up
	sim_pull b 1 pull-down
	expect_values "$outer_chip" "3 2 1 0" "0 1 1 0"
	check_nested_set_values "$outer_chip" 1 0 0 1
	check_nested_set_values "$outer_chip" 0 1 1 0
	check_nested_set_values "$outer_chip" 1 1 1 1

	# Outer first: it holds the lines of the inner one.
	agg_delete "$outer"
	expect_agg_gone "$outer" "$outer_chip"
	for ((i = 0; i < 4; i++)); do
		line_free "$inner_chip" "$i" ||
			fail "line $i of $inner_chip still busy after deleting $outer"
	done
	agg_delete "$inner"
	expect_agg_gone "$inner" "$inner_chip"
	sim_remove a
	sim_remove b
}

# line_direction CHIP OFFSET: "input" or "output", as gpioinfo reports it.
line_direction() {
	local word

	for word in $(line_info "$1" "$2"); do
		case $word in
		input|output) echo "$word"; return 0 ;;
		esac
	done
	return 1
}

line_direction_is() {
	[ "$(line_direction "$1" "$2")" = "$3" ]
}

forward_direction() {
	local a pid

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	agg_new "agg-sim-a 4"
	agg_chip "$AGG"
	must gpioget "$CHIP" 0
	expect_eq "direction of parent line" "$(line_direction "$a" 4)" input

	spawn "$WORK/gpioset.out" gpioset --mode=signal "$CHIP" 0=1
	pid=$SPAWNED
	expect_sim_value a 4 1
	wait_for "$TIMEOUT" line_direction_is "$CHIP" 0 output ||
		fail "aggregated line is not an output: $(line_info "$CHIP" 0)"
	expect_eq "direction of parent line" "$(line_direction "$a" 4)" output
	stop "$pid"

	must gpioget "$CHIP" 0
	expect_eq "direction of parent line" "$(line_direction "$a" 4)" input
	agg_delete "$AGG"
	sim_remove a
}

forward_bias() {
	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 2"
	agg_chip "$AGG"
	sim_pull a 2 pull-down
	expect_eq "value with pull-up" "$(gpioget -B pull-up "$CHIP" 0)" 1
	sim_pull_is a 2 pull-up || fail "pull-up did not reach the parent line"
	expect_eq "value with pull-down" "$(gpioget -B pull-down "$CHIP" 0)" 0
	sim_pull_is a 2 pull-down || fail "pull-down did not reach the parent line"
	agg_delete "$AGG"
	sim_remove a
}

# edge_irq_requested: gpiomon's edge interrupt is set up.
edge_irq_requested() {
	grep -qw gpiomon /proc/interrupts
}

# check_rising_edge CHIP OFFSET SIM SIM_OFFSET: gpiomon on line OFFSET of
# CHIP sees the rising edge that a pull-up makes on the sim line.
check_rising_edge() {
	local pid

	sim_pull "$3" "$4" pull-down
	spawn "$WORK/gpiomon.out" gpiomon --num-events=1 --rising-edge \
		--format='%o %e' "$1" "$2"
	pid=$SPAWNED
	wait_for "$TIMEOUT" edge_irq_requested ||
		fail "gpiomon on $1 set up no interrupt: $(cat "$WORK/gpiomon.out")"
	sim_pull "$3" "$4" pull-up
	wait_for "$TIMEOUT" pid_gone "$pid" || fail "gpiomon on $1 saw no rising edge"
	wait "$pid" || fail "gpiomon on $1 failed: $(cat "$WORK/gpiomon.out")"
	expect_eq "gpiomon event on $1 (offset, rising)" "$(cat "$WORK/gpiomon.out")" \
		"$2 1"
}

forward_edge_events() {
	local a

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	# Edge events need an interrupt number for the gpio-sim line; on UML,
	# only a kernel with CONFIG_PCI_MSI has free ones.
	( check_rising_edge "$a" 3 a 3 ) ||
		fail "gpio-sim itself delivers no edge events on this kernel"
	agg_new "agg-sim-a 3"
	agg_chip "$AGG"
	check_rising_edge "$CHIP" 0 a 3
	agg_delete "$AGG"
	sim_remove a
}

forward_parent_busy() {
	local a

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	agg_new "agg-sim-a 1,2"
	agg_chip "$AGG"
	expect_line_busy "$a" 1
	expect_errno EBUSY gpioset "$a" 2=1
	line_free "$a" 0 || fail "line 0 of $a, not aggregated, is busy"
	agg_delete "$AGG"
	line_free "$a" 1 || fail "line 1 of $a still busy after delete"
	sim_remove a
}

# ===========================================================================
# configfs

configfs_mkdir_dev_name() {
	local other

	sim_create a 8 agg-sim-a
	cfs_new agg0
	[[ $CFS_DEV =~ ^gpio-aggregator\.[0-9]+$ ]] || fail "dev_name is '$CFS_DEV'"
	expect_eq "live" "$(cfs_attr agg0/live)" 0
	expect_eq "mode of dev_name" "$(stat -c %a "$AGG_CONFIGFS/agg0/dev_name")" 444
	expect_errno EACCES write_attr gpio-aggregator.99 "$AGG_CONFIGFS/agg0/dev_name"
	dev_absent "$CFS_DEV" || fail "$CFS_DEV exists before live"

	cfs_new agg1
	other=$CFS_DEV
	[ "$other" != "$(cfs_attr agg0/dev_name)" ] || fail "two devices named $other"
	rmdir "$AGG_CONFIGFS/agg1"

	cfs_line agg0 0 agg-sim-a 0
	cfs_live agg0 1
	CFS_DEV=$(cfs_attr agg0/dev_name)
	agg_chip "$CFS_DEV"
	expect_eq "label" "$(chip_label "$CHIP")" "$CFS_DEV"
	expect_eq "live" "$(cfs_attr agg0/live)" 1
	cfs_remove agg0
	sim_remove a
}

configfs_reserved_names() {
	local name

	for name in _sysfs _sysfs.0 _sysfs.99 _sysfsfoo; do
		expect_refused EINVAL "'$name'" mkdir "$AGG_CONFIGFS/$name"
	done
	must mkdir "$AGG_CONFIGFS/sysfs"
	must rmdir "$AGG_CONFIGFS/sysfs"
}

configfs_line_group_names() {
	local name

	must mkdir "$AGG_CONFIGFS/agg0"
	for name in foo line lineX line-1 line0x line01; do
		expect_refused EINVAL "'$name'" mkdir "$AGG_CONFIGFS/agg0/$name"
	done
	for name in line0 line1 line10; do
		must mkdir "$AGG_CONFIGFS/agg0/$name"
	done
	cfs_remove agg0
}

configfs_line_defaults() {
	local dir=$AGG_CONFIGFS/agg0/line0

	must mkdir "$AGG_CONFIGFS/agg0" "$dir"
	expect_eq "key" "$(cat "$dir/key")" ""
	expect_eq "offset" "$(cat "$dir/offset")" -1
	expect_eq "name" "$(cat "$dir/name")" ""
	expect_eq "active_low" "$(cat "$dir/active_low")" 0
	cfs_remove agg0
}

configfs_attribute_values() {
	local dir=$AGG_CONFIGFS/agg0/line0 value

	must mkdir "$AGG_CONFIGFS/agg0" "$dir"
	for value in 0 7 65534 -1; do
		must write_attr "$value" "$dir/offset"
		expect_eq "offset" "$(cat "$dir/offset")" "$value"
	done
	# Any base, as mainline's configfs: hexadecimal, and octal after a 0
	for value in 0x1f:31 0X1F:31 010:8 0xfffe:65534 00:0; do
		must write_attr "${value%%:*}" "$dir/offset"
		expect_eq "offset ${value%%:*}" "$(cat "$dir/offset")" "${value#*:}"
	done
	must write_attr -1 "$dir/offset"
	for value in 65535 -2 abc "" 0xffff 0x 09 -0x2; do
		expect_refused EINVAL "offset '$value'" write_attr "$value" "$dir/offset"
	done
	expect_eq "offset after rejected writes" "$(cat "$dir/offset")" -1

	for value in 1 0; do
		must write_attr "$value" "$dir/active_low"
		expect_eq "active_low" "$(cat "$dir/active_low")" "$value"
	done
	for value in 2 maybe; do
		expect_refused EINVAL "active_low '$value'" \
			write_attr "$value" "$dir/active_low"
	done

	must write_attr board-io "$dir/key"
	expect_eq "key" "$(cat "$dir/key")" board-io
	must write_attr reset "$dir/name"
	expect_eq "name" "$(cat "$dir/name")" reset
	cfs_remove agg0
}

configfs_live_values() {
	local on off dev

	sim_create a 8 agg-sim-a
	cfs_new agg0
	dev=$CFS_DEV
	cfs_line agg0 0 agg-sim-a 0
	for on in 1 y Y yes true t on; do
		case $on in
		1) off=0 ;; y) off=n ;; Y) off=N ;; yes) off=no ;;
		true) off=false ;; t) off=f ;; on) off=off ;;
		esac
		cfs_live agg0 "$on"
		expect_eq "live after '$on'" "$(cfs_attr agg0/live)" 1
		dev_has_chip "$dev" || fail "no chip after live='$on'"
		cfs_live agg0 "$off"
		expect_eq "live after '$off'" "$(cfs_attr agg0/live)" 0
		dev_absent "$dev" || fail "$dev still exists after live='$off'"
	done
	for on in 2 maybe ""; do
		expect_refused EINVAL "live '$on'" \
			write_attr "$on" "$AGG_CONFIGFS/agg0/live"
		expect_eq "live after '$on'" "$(cfs_attr agg0/live)" 0
	done
	cfs_remove agg0
	sim_remove a
}

configfs_doc_example() {
	local dev chip

	sim_create io 8 board-io
	sim_create relays 4 relay-board

	# The example of "Creating an aggregator through configfs": it prints
	# the device's name. Line 0 is inverted, line 1 is not.
	doc_example configfs-create
	dev=$(cat "$AGG_CONFIGFS/pump/dev_name")
	expect_eq "output of the example" "$DOC_OUT" "$dev"
	expect_eq "live" "$(cfs_attr pump/live)" 1

	agg_chip "$dev"
	chip=$CHIP
	expect_eq "line 0 name" "$(line_name "$chip" 0)" pump-on
	expect_eq "line 1 name" "$(line_name "$chip" 1)" flow
	sim_pull relays 1 pull-up
	sim_pull io 4 pull-up
	expect_values "$chip" "0 1" "0 1"
	sim_pull relays 1 pull-down
	sim_pull io 4 pull-down
	expect_values "$chip" "0 1" "1 0"

	doc_example configfs-remove
	[ ! -e "$AGG_CONFIGFS/pump" ] || fail "pump not removed"
	expect_agg_gone "$dev" "$chip"
	sim_remove io
	sim_remove relays
}

configfs_line_name_key() {
	sim_create a 8 agg-sim-a - - - - - agg-cfs-name
	cfs_new agg0
	cfs_line agg0 0 agg-cfs-name
	cfs_line agg0 1 agg-sim-a 2
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_line_map "$CHIP" a:5 a:2
	cfs_remove agg0
	sim_remove a
}

# White space around a key and a name is dropped: the line is found, and
# gets the name.
configfs_key_name_trimmed() {
	local dir=$AGG_CONFIGFS/agg0

	sim_create a 8 agg-sim-a - - - agg-cfs-trimmed
	cfs_new agg0
	must mkdir "$dir/line0" "$dir/line1"
	must write_attr $' \t agg-sim-a \t ' "$dir/line0/key"
	must write_attr 6 "$dir/line0/offset"
	must write_attr $'\t  reset  ' "$dir/line0/name"
	must write_attr "  agg-cfs-trimmed  " "$dir/line1/key"
	must write_attr $' enable\t' "$dir/line1/name"
	expect_eq "line0 key" "$(cfs_attr agg0/line0/key)" agg-sim-a
	expect_eq "line0 name" "$(cfs_attr agg0/line0/name)" reset
	expect_eq "line1 key" "$(cfs_attr agg0/line1/key)" agg-cfs-trimmed
	expect_eq "line1 name" "$(cfs_attr agg0/line1/name)" enable
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_eq "name of line 0" "$(line_name "$CHIP" 0)" reset
	expect_eq "name of line 1" "$(line_name "$CHIP" 1)" enable
	expect_line_map "$CHIP" a:6 a:3
	cfs_remove agg0
	sim_remove a
}

# configfs key and name keep UTF-8 whole, even ending in byte 0xa0 ("à"
# is c3 a0), which the kernel's isspace() takes for whitespace.
configfs_utf8_key_name() {
	local dir=$AGG_CONFIGFS/agg0

	sim_create a 8 "Voilà-sim" - - "Voilà-porte"
	cfs_new agg0
	cfs_line agg0 0 "Voilà-porte" "" "Voilà"
	cfs_line agg0 1 "Voilà-sim" 4 "Рычаг Р"
	must write_attr "  Voilà " "$dir/line0/name"
	expect_eq "line0 name" "$(cfs_attr agg0/line0/name)" "Voilà"
	must write_attr "Voilà" "$dir/line0/key"
	expect_eq "line0 key" "$(cfs_attr agg0/line0/key)" "Voilà"
	must write_attr "Voilà-porte" "$dir/line0/key"
	expect_eq "line1 name" "$(cfs_attr agg0/line1/name)" "Рычаг Р"
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_line_map "$CHIP" a:2 a:4
	expect_eq "name of line 0" "$(line_name "$CHIP" 0)" "Voilà"
	expect_eq "name of line 1" "$(line_name "$CHIP" 1)" "Рычаг Р"
	cfs_remove agg0
	sim_remove a
}

# A chip named by its device name (gpiochipN) whose label another chip
# has too: the line cannot be looked up for sure, live=1 is refused.
configfs_label_not_unique() {
	local b

	sim_create a 8 agg-sim-dup
	sim_create b 8 agg-sim-dup
	b=$(sim_chip b)
	cfs_new agg0
	cfs_line agg0 0 "$b" 1
	kmsg_mark
	expect_live_fails agg0 "label of $b not unique" EINVAL
	expect_kmsg_line \
		"gpio-aggregator $CFS_DEV: error -EINVAL: line0: the label of $b is not unique"
	line_free "$(sim_chip a)" 1 || fail "line 1 of agg-sim-dup a busy after a refused live=1"
	line_free "$b" 1 || fail "line 1 of $b busy after a refused live=1"
	cfs_remove agg0
	sim_remove b
	sim_remove a
}

configfs_gpiochip_name_key() {
	sim_create a 8 agg-sim-a
	cfs_new agg0
	cfs_line agg0 0 "$(sim_chip a)" 6
	cfs_line agg0 1 "$(sim_chip a)" 1
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_line_map "$CHIP" a:6 a:1
	cfs_remove agg0
	sim_remove a
}

# expect_live_fails NAME WHY ERRNO: live=1 is refused with ERRNO and nothing
# comes alive.
expect_live_fails() {
	local dev

	dev=$(cfs_attr "$1/dev_name")
	expect_errno "$3" write_attr 1 "$AGG_CONFIGFS/$1/live"
	expect_eq "live after a refused live=1 ($2)" "$(cfs_attr "$1/live")" 0
	dev_absent "$dev" || fail "$dev exists after a refused live=1 ($2)"
}

configfs_live_validation() {
	sim_create a 8 agg-sim-a
	cfs_new agg0
	expect_live_fails agg0 "no lines" EINVAL

	must mkdir "$AGG_CONFIGFS/agg0/line0"
	expect_live_fails agg0 "line0 has no key" EINVAL

	must write_attr agg-sim-a "$AGG_CONFIGFS/agg0/line0/key"
	must write_attr 0 "$AGG_CONFIGFS/agg0/line0/offset"
	cfs_line agg0 2 agg-sim-a 2
	expect_live_fails agg0 "line1 missing" EINVAL
	cfs_remove agg0

	cfs_new agg0
	cfs_line agg0 1 agg-sim-a 1
	expect_live_fails agg0 "line0 missing" EINVAL
	cfs_remove agg0
	sim_remove a
}

configfs_live_probe_errors() {
	local a pid waiting

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)

	cfs_new absent
	cfs_line absent 0 agg-absent 0
	expect_live_fails absent "chip absent" ENODEV

	cfs_new name
	cfs_line name 0 agg-absent-name
	expect_live_fails name "line name absent" ENODEV

	cfs_new range
	cfs_line range 0 agg-sim-a 8
	expect_live_fails range "offset out of range" EINVAL

	spawn "$WORK/gpioset.out" gpioset --mode=signal "$a" 3=1
	pid=$SPAWNED
	expect_sim_value a 3 1
	cfs_new busy
	cfs_line busy 0 agg-sim-a 3
	expect_live_fails busy "line busy" EBUSY
	stop "$pid"

	# A failed device stays down when its chip appears: once a sysfs
	# device waiting for the same chip has probed, deferred probing has
	# run, and "absent" must still be down.
	agg_new "agg-absent 1"
	waiting=$AGG
	sim_create late 4 agg-absent
	agg_chip "$waiting"
	expect_eq "live of absent" "$(cfs_attr absent/live)" 0
	dev_absent "$(cfs_attr absent/dev_name)" || fail "absent came alive"
	line_free "$(sim_chip late)" 0 || fail "absent took its line"

	agg_delete "$waiting"
	cfs_remove absent
	cfs_remove name
	cfs_remove range
	cfs_remove busy
	sim_remove late
	sim_remove a
}

configfs_busy_while_live() {
	local attr dir=$AGG_CONFIGFS/agg0

	sim_create a 8 agg-sim-a
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 0
	cfs_live agg0 1
	agg_chip "$CFS_DEV"

	expect_errno EBUSY mkdir "$dir/line1"
	expect_errno EBUSY rmdir "$dir/line0"
	expect_errno EBUSY rmdir "$dir"
	for attr in key:agg-sim-a offset:1 name:foo active_low:1; do
		expect_errno EBUSY write_attr "${attr#*:}" "$dir/line0/${attr%%:*}"
	done
	expect_eq "live" "$(cfs_attr agg0/live)" 1
	expect_eq "offset" "$(cfs_attr agg0/line0/offset)" 0
	dev_has_chip "$CFS_DEV" || fail "chip gone after refused changes"

	cfs_live agg0 0
	must write_attr 1 "$dir/line0/offset"
	must mkdir "$dir/line1"
	must rmdir "$dir/line1"
	expect_errno ENOTEMPTY rmdir "$dir"
	cfs_remove agg0
	sim_remove a
}

configfs_live_toggle() {
	local a chip

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 0
	cfs_line agg0 1 agg-sim-a 7
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	chip=$CHIP
	expect_line_busy "$a" 7

	cfs_live agg0 0
	dev_absent "$CFS_DEV" || fail "$CFS_DEV exists after live=0"
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip exists after live=0"
	line_free "$a" 0 || fail "line 0 of $a busy after live=0"
	line_free "$a" 7 || fail "line 7 of $a busy after live=0"

	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_line_map "$CHIP" a:0 a:7
	cfs_remove agg0
	sim_remove a
}

configfs_active_low() {
	local pid

	sim_create a 8 agg-sim-a
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 0 "" 1
	cfs_line agg0 1 agg-sim-a 1 "" 0
	cfs_live agg0 1
	agg_chip "$CFS_DEV"

	sim_pull a 0 pull-up
	sim_pull a 1 pull-up
	expect_values "$CHIP" "0 1" "0 1"
	sim_pull a 0 pull-down
	sim_pull a 1 pull-down
	expect_values "$CHIP" "0 1" "1 0"

	spawn "$WORK/gpioset.out" gpioset --mode=signal "$CHIP" 0=1 1=1
	pid=$SPAWNED
	expect_sim_value a 0 0
	expect_sim_value a 1 1
	stop "$pid"
	spawn "$WORK/gpioset.out" gpioset --mode=signal "$CHIP" 0=0 1=0
	pid=$SPAWNED
	expect_sim_value a 0 1
	expect_sim_value a 1 0
	stop "$pid"
	cfs_remove agg0
	sim_remove a
}

configfs_delete_device_refused() {
	sim_create a 8 agg-sim-a
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 0
	expect_errno ENOENT write_attr "$CFS_DEV" "$DELETE_DEVICE"
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_errno ENOENT write_attr "$CFS_DEV" "$DELETE_DEVICE"
	dev_has_chip "$CFS_DEV" || fail "$CFS_DEV lost its chip"
	expect_eq "live" "$(cfs_attr agg0/live)" 1
	cfs_remove agg0
	sim_remove a
}

configfs_sysfs_mirror() {
	local mirror

	sim_create a 8 agg-sim-a - - - - - - agg-mirror-name
	agg_new "agg-sim-a 2,0 agg-mirror-name"
	agg_chip "$AGG"
	mirror=_sysfs.$(agg_id "$AGG")
	[ -d "$AGG_CONFIGFS/$mirror" ] || fail "no $mirror"
	expect_eq "dev_name" "$(cfs_attr "$mirror/dev_name")" "$AGG"
	expect_eq "live" "$(cfs_attr "$mirror/live")" 1
	expect_eq "line0 key" "$(cfs_attr "$mirror/line0/key")" agg-sim-a
	expect_eq "line0 offset" "$(cfs_attr "$mirror/line0/offset")" 2
	expect_eq "line1 key" "$(cfs_attr "$mirror/line1/key")" agg-sim-a
	expect_eq "line1 offset" "$(cfs_attr "$mirror/line1/offset")" 0
	expect_eq "line2 key" "$(cfs_attr "$mirror/line2/key")" agg-mirror-name
	expect_eq "line2 offset" "$(cfs_attr "$mirror/line2/offset")" -1
	expect_eq "line0 name" "$(cfs_attr "$mirror/line0/name")" ""
	expect_eq "line0 active_low" "$(cfs_attr "$mirror/line0/active_low")" 0
	[ ! -e "$AGG_CONFIGFS/$mirror/line3" ] || fail "$mirror has a line3"
	agg_delete "$AGG"
	[ ! -e "$AGG_CONFIGFS/$mirror" ] || fail "$mirror outlived delete_device"
	sim_remove a
}

configfs_sysfs_mirror_rules() {
	local mirror dir chip

	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 2,0"
	agg_chip "$AGG"
	chip=$CHIP
	mirror=_sysfs.$(agg_id "$AGG")
	dir=$AGG_CONFIGFS/$mirror

	expect_errno EPERM mkdir "$dir/line2"
	expect_errno EPERM rmdir "$dir/line1"
	expect_errno EPERM rmdir "$dir"
	expect_errno EBUSY write_attr 3 "$dir/line0/offset"

	cfs_live "$mirror" 0
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip exists after live=0"
	line_free "$(sim_chip a)" 2 || fail "line 2 busy after live=0"
	expect_errno EPERM mkdir "$dir/line2"
	expect_errno EPERM rmdir "$dir/line1"
	expect_errno EPERM rmdir "$dir"

	must write_attr 3 "$dir/line0/offset"
	must write_attr renamed "$dir/line1/name"
	must write_attr 1 "$dir/line1/active_low"
	cfs_live "$mirror" 1
	agg_chip "$AGG"
	expect_eq "line 1 name" "$(line_name "$CHIP" 1)" renamed
	sim_pull a 3 pull-up
	sim_pull a 0 pull-up
	expect_values "$CHIP" "0 1" "1 0"
	sim_pull a 3 pull-down
	expect_values "$CHIP" "0 1" "0 0"

	agg_delete "$AGG"
	expect_agg_gone "$AGG" "$CHIP"
	sim_remove a
}

configfs_sysfs_mirror_deferred() {
	local dir

	agg_new "agg-late 0"
	dir=$AGG_CONFIGFS/_sysfs.$(agg_id "$AGG")
	[ -d "$dir" ] || fail "no configfs mirror of $AGG"
	expect_errno EBUSY write_attr agg-other "$dir/line0/key"
	expect_errno EBUSY write_attr 1 "$dir/line0/offset"
	expect_eq "line0 key" "$(cat "$dir/line0/key")" agg-late
	agg_delete "$AGG"
	[ ! -e "$dir" ] || fail "configfs mirror outlived delete_device"
}

configfs_unload_refused() {
	sim_create a 8 agg-sim-a
	cfs_new agg0
	expect_rmmod_refused "$AGG_MODULE"
	cfs_line agg0 0 agg-sim-a 0
	cfs_live agg0 1
	expect_rmmod_refused "$AGG_MODULE"
	dev_has_chip "$CFS_DEV" || fail "agg0 lost its chip"
	cfs_remove agg0
	must rmmod "$AGG_MODULE"
	must modprobe "$AGG_MODULE"
	sim_remove a
}

# cost_cfs_lines NAME NUM: give configfs aggregator NAME the lines of
# cost_spec NUM. One mkdir for all of them, then builtin writes only.
cost_cfs_lines() {
	local dir=$AGG_CONFIGFS/$1 n=$2 i dirs=()

	for ((i = 0; i < n; i++)); do
		dirs+=("$dir/line$i")
	done
	must mkdir "${dirs[@]}"
	for ((i = 0; i < n; i++)); do
		write_attr "agg-cost-$((i / COST_SIM_LINES))" "$dir/line$i/key" ||
			fail "setting the key of line$i of $1 failed"
		write_attr $((i % COST_SIM_LINES)) "$dir/line$i/offset" ||
			fail "setting the offset of line$i of $1 failed"
	done
}

# cost_cfs_live NAME: live=1, timed; the chip exists when the write returns.
cost_cfs_live() {
	timed_write 1 "$AGG_CONFIGFS/$1/live" ||
		fail "live=1 of $1 failed: $(cat "$WORK/write.err")"
	CHIP=$(dev_chip "$(cfs_attr "$1/dev_name")") ||
		fail "$1 has no chip when live=1 returns"
}

# cost_configfs NAME NUM: set up NUM lines in configfs aggregator NAME;
# the fastest of COST_RUNS live=1 writes, in COST_MIN_US.
cost_configfs() {
	local run

	cfs_new "$1"
	cost_cfs_lines "$1" "$2"
	COST_MIN_US=0
	for ((run = 0; run < COST_RUNS; run++)); do
		cost_cfs_live "$1"
		cost_min "$WRITE_US"
		((run)) || cost_check_chip "$CHIP" "$2"
		cfs_live "$1" 0
	done
	cfs_remove "$1"
	[ ! -e "$AGG_CONFIGFS/$1" ] || fail "$1 not removed"
}

configfs_creation_cost() {
	local small

	cost_sims_create
	cost_configfs small "$COST_SMALL"
	small=$COST_MIN_US
	cost_configfs large "$COST_LARGE"
	cost_report configfs "$small" "$COST_MIN_US"
	cost_sims_remove
}

# ===========================================================================
# devicetree: harness/dts/test.dts

# of_compatible DEV: the first compatible string of a devicetree device.
of_compatible() {
	tr '\0' '\n' < "$PLATFORM_DEVICES/$1/of_node/compatible" | head -n 1
}

dt_platform_devices() {
	local dev chip

	for dev in "$DT_SIM_DEVICE:gpio-simulator" "hatch:acme,hatch" \
		   "gpio-delay:gpio-delay" "slow-hatch:acme,slow-hatch" \
		   "gpio-delay-inverted:gpio-delay" \
		   "inverted-hatch:acme,inverted-hatch"; do
		[ -e "$PLATFORM_DEVICES/${dev%%:*}" ] ||
			fail "no platform device ${dev%%:*}"
		expect_eq "compatible of ${dev%%:*}" "$(of_compatible "${dev%%:*}")" \
			"${dev#*:}"
	done
	[ ! -e "$PLATFORM_DEVICES/hatch/driver" ] || fail "hatch bound by itself"
	chip=$(chip_with_label "$DT_SIM_LABEL") || fail "no chip labelled $DT_SIM_LABEL"
	expect_eq "chip of $DT_SIM_DEVICE" "$(sim_chip dt)" "$chip"
	expect_eq "lines of $DT_SIM_LABEL" "$(chip_num_lines "$chip")" 8
	sim_pull dt 0 pull-up
	expect_values "$chip" 0 1
	sim_pull dt 0 pull-down
	expect_values "$chip" 0 0
}

dt_delay_bound() {
	local sim

	# Devicetree GPIO lookups need CONFIG_OF_GPIO (on UML: HAS_IOMEM).
	dt_bound gpio-delay || fail "gpio-delay is not bound to $AGG_MODULE"
	agg_chip gpio-delay
	expect_eq "lines of gpio-delay" "$(chip_num_lines "$CHIP")" 2
	sim=$(sim_chip dt)
	expect_line_busy "$sim" 4
	expect_line_busy "$sim" 5
}

# gpioinfo_words: gpioinfo's output on stdin with any chip number and runs
# of white space alike, to compare it with the guide's.
gpioinfo_words() {
	sed 's/gpiochip[0-9]*/gpiochipN/' | tr -s ' \t' ' ' | sed 's/^ //; s/ $//'
}

# The examples of "Devices described in the devicetree", on the hatch node
# of harness/dts/test.dts, and the output the guide shows; and in between,
# the udev rule of tools/gpio that the guide shows for hatch (udev_rule).
dt_hatch_bind() {
	local chip

	doc_example dt-bind
	agg_chip hatch
	chip=$CHIP
	expect_eq "label" "$(chip_label "$chip")" hatch
	doc_example dt-gpioinfo
	expect_eq "gpioinfo hatch" "$(gpioinfo_words <<< "$DOC_OUT")" \
		"$(doc_output dt-gpioinfo | gpioinfo_words)"
	expect_eq "line 0" "$(line_info hatch 0)" '"motor" unused input active-high'
	expect_eq "line 1" "$(line_info hatch 1)" '"latch" unused input active-high'
	udev_rule "$chip"
	doc_example dt-unbind
	! dt_bound hatch || fail "hatch still bound after the unbind example"
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip outlived unbinding hatch"
}

# The udev rule of tools/gpio, as udev applies it (udevadm test, on the
# chip's device), gives the chip of hatch to the user and group gpio-hatch,
# who can then read its lines (that the parent chip stays closed to such a
# user, perm_chip_handed_over checks); it leaves the chip of another
# aggregator alone. The user and group are added to bind mounted copies of
# /etc/passwd and /etc/group.
UDEV_RULE=$BASE_DIR/../../../gpio/60-gpio-aggregator.rules
HATCH_UID=4242
AS_HATCH=(setpriv --reuid="$HATCH_UID" --regid="$HATCH_UID" --clear-groups
	 --inh-caps=-all --bounding-set=-all)

# udev_test CHIP: run udevadm test on the device of CHIP.
udev_test() {
	udevadm test --action=add "/sys/bus/gpio/devices/$1" \
		> "$WORK/udev.log" 2>&1 ||
		fail "udevadm test on $1 failed: $(tail -n 5 "$WORK/udev.log")"
}

# udev_rule CHIP: the rule on hatch's chip CHIP, and on gpio-delay's.
udev_rule() {
	local rules=/run/udev/rules.d

	command -v udevadm > /dev/null || fail "udevadm (udev) not found"
	[ -f "$UDEV_RULE" ] || fail "no udev rule at $UDEV_RULE"
	trap 'umount /etc/passwd /etc/group 2> /dev/null
	      rm -f "$rules/${UDEV_RULE##*/}"' EXIT
	cp /etc/passwd /etc/group "$WORK/" || fail "cannot copy passwd and group"
	echo "gpio-hatch:x:$HATCH_UID:$HATCH_UID::/nonexistent:/usr/sbin/nologin" >> "$WORK/passwd"
	echo "gpio-hatch:x:$HATCH_UID:" >> "$WORK/group"
	must mount --bind "$WORK/passwd" /etc/passwd
	must mount --bind "$WORK/group" /etc/group
	[ -d "$rules" ] || must mkdir -p "$rules"
	must cp "$UDEV_RULE" "$rules/"

	udev_test "$1"
	if ! grep -q "${UDEV_RULE##*/}:[0-9]* OWNER" "$WORK/udev.log"; then
		note "udevadm test: $(grep -i -e "${UDEV_RULE##*/}" -e error "$WORK/udev.log")"
		fail "the rule did not match $1 of hatch"
	fi
	expect_eq "owner, group and mode of /dev/$1" \
		"$(stat -c '%u %g %a' "/dev/$1")" "$HATCH_UID $HATCH_UID 660"
	sim_pull dt 2 pull-up
	sim_pull dt 3 pull-up
	expect_eq "hatch's lines read by gpio-hatch" \
		"$("${AS_HATCH[@]}" gpioget "$1" 0 1 2>&1)" "1 0"

	agg_chip gpio-delay
	udev_test "$CHIP"
	expect_eq "owner, group and mode of /dev/$CHIP of gpio-delay" \
		"$(stat -c '%u %g %a' "/dev/$CHIP")" "0 0 600"
	umount /etc/passwd /etc/group
	rm "$rules/${UDEV_RULE##*/}"
	trap - EXIT
}

# expect_hatch_follows_sim: hatch's lines read what is pulled at lines 2 and 3
# of the devicetree gpio-sim chip (hatch's line 1 is active low).
expect_hatch_follows_sim() {
	sim_pull dt 2 pull-up
	sim_pull dt 3 pull-up
	expect_values hatch "0 1" "1 0"
	sim_pull dt 2 pull-down
	sim_pull dt 3 pull-down
	expect_values hatch "0 1" "0 1"
}

dt_hatch_values() {
	local pid

	dt_bind hatch
	agg_chip hatch
	expect_hatch_follows_sim

	spawn "$WORK/gpioset.out" gpioset --mode=signal hatch 0=1 1=1
	pid=$SPAWNED
	expect_sim_value dt 2 1
	expect_sim_value dt 3 0
	stop "$pid"
	sim_pull dt 2 pull-up
	sim_pull dt 3 pull-down
	spawn "$WORK/gpioset.out" gpioset --mode=signal hatch 0=0 1=0
	pid=$SPAWNED
	expect_sim_value dt 2 0
	expect_sim_value dt 3 1
	stop "$pid"
	dt_unbind hatch || fail "unbinding hatch failed"
}

dt_hatch_unbind_rebind() {
	local sim chip

	sim=$(sim_chip dt)
	dt_bind hatch
	agg_chip hatch
	chip=$CHIP
	expect_line_busy "$sim" 2
	expect_line_busy "$sim" 3

	# Documentation example "Devices described in the devicetree": the
	# unbind command.
	must write_attr hatch "$AGG_DRIVER/unbind"
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip exists after unbind"
	line_free "$sim" 2 || fail "line 2 of $sim busy after unbind"
	line_free "$sim" 3 || fail "line 3 of $sim busy after unbind"

	must write_attr hatch "$AGG_DRIVER/bind"
	agg_chip hatch
	expect_eq "lines of hatch" "$(chip_num_lines "$CHIP")" 2
	expect_line_busy "$sim" 2
	sim_pull dt 2 pull-up
	expect_values hatch 0 1
	dt_unbind hatch || fail "unbinding hatch failed"
	line_free "$sim" 2 || fail "line 2 of $sim busy after the second unbind"
}

# timed_set_tool: make sure gpio-aggregator-timed-set can run. The selftests
# Makefile builds it; when the script runs straight from the source tree,
# build it into the scratch directory.
timed_set_tool() {
	[ -x "$TIMED_SET" ] && return 0
	TIMED_SET=$WORK/gpio-aggregator-timed-set
	[ -x "$TIMED_SET" ] && return 0
	must cc -O2 -Wall -o "$TIMED_SET" "$BASE_DIR/gpio-aggregator-timed-set.c"
}

# timed_set CHIP OFFSET INITIAL VALUE: microseconds that setting VALUE took.
timed_set() {
	"$TIMED_SET" "$@"
}

# Timings of gpio-delay. Load on the machine only ever adds time, so what a
# test can prove is a lower bound on each set (the ramp it waits) and an
# ordering of the fastest of several sets: a set that waits ramp A and
# not ramp B > A is, at its fastest, quicker than B. Each set is timed
# RAMP_RUNS times in one process (gpio-aggregator-timed-set), alternating
# rising and falling, and the fastest counts for the orderings.
RAMP_RUNS=5

# ramp_times CHIP OFFSET: RISE and FALL, the times of RAMP_RUNS sets of
# the line to 1 and to 0, from 0; RISE_MIN and FALL_MIN, the fastest. The
# line is left at 1.
ramp_times() {
	local values=() times i

	for ((i = 0; i < RAMP_RUNS; i++)); do
		values+=(1 0)
	done
	times=$(timed_set "/dev/$1" "$2" 0 "${values[@]}" 1) ||
		fail "setting line $2 of $1 failed: $times"
	mapfile -t times <<< "$times"
	[ "${#times[@]}" = $((2 * RAMP_RUNS + 1)) ] ||
		fail "timed $((2 * RAMP_RUNS + 1)) sets of line $2 of $1, got ${times[*]}"
	RISE=() FALL=()
	for ((i = 0; i < 2 * RAMP_RUNS; i += 2)); do
		RISE+=("${times[i]}")
		FALL+=("${times[i + 1]}")
	done
	RISE_MIN=$(printf '%s\n' "${RISE[@]}" | sort -n | head -n 1)
	FALL_MIN=$(printf '%s\n' "${FALL[@]}" | sort -n | head -n 1)
	note "line $2 of $1: rising ${RISE[*]} us, falling ${FALL[*]} us"
}

# expect_at_least WHAT MIN_US US...: each set took at least MIN_US.
expect_at_least() {
	local what=$1 min=$2 us

	shift 2
	for us; do
		((us >= min)) || fail "$what took $us us, expected at least $min"
	done
}

# expect_faster WHAT US BOUND_US WHY: the fastest set, US, is under BOUND_US.
expect_faster() {
	((${2} < ${3})) || fail "$1 took at fastest $2 us, expected less than $3 ($4)"
}

dt_delay_ramp() {
	local slow_fall_min

	timed_set_tool
	dt_bind slow-hatch
	agg_chip slow-hatch
	expect_eq "line 0 name" "$(line_name slow-hatch 0)" slow
	expect_eq "line 1 name" "$(line_name slow-hatch 1)" fast

	# Documentation example "Delayed lines: gpio-delay": the gpio-delay and
	# slow-hatch nodes of harness/dts/test.dts. "slow" rises in 100 ms and
	# falls in 10 ms: each rise waits 100 ms, each fall 10 ms, and a fall
	# does not wait the 100 ms of a rise.
	ramp_times "$CHIP" 0
	expect_at_least "slow rising" 100000 "${RISE[@]}"
	expect_at_least "slow falling" 10000 "${FALL[@]}"
	expect_faster "slow falling" "$FALL_MIN" 100000 "the rising ramp"
	expect_sim_value dt 4 1
	slow_fall_min=$FALL_MIN

	# "fast" has no delay: at its fastest, quicker than the shortest
	# ramp of slow, timed the same way in the same run.
	ramp_times "$CHIP" 1
	expect_faster "fast rising" "$RISE_MIN" "$slow_fall_min" \
		"the fastest fall of slow, which waits 10 ms"
	expect_faster "fast falling" "$FALL_MIN" "$slow_fall_min" \
		"the fastest fall of slow, which waits 10 ms"
	expect_sim_value dt 5 1
	dt_unbind slow-hatch || fail "unbinding slow-hatch failed"
}

# A second consumer of a gpio-delay line that slow-hatch holds: binding it
# fails with EBUSY, and the delays of the line stay slow-hatch's.
dt_delay_second_consumer() {
	local us

	timed_set_tool
	dt_bind slow-hatch
	agg_chip slow-hatch
	must write_attr "$AGG_MODULE" "$PLATFORM_DEVICES/second-slow-hatch/driver_override"
	kmsg_mark
	expect_errno EBUSY write_attr second-slow-hatch "$AGG_DRIVER/bind"
	expect_kmsg_line "gpio-aggregator second-slow-hatch: error -EBUSY: cannot get GPIO 0"
	dt_bound second-slow-hatch && fail "second-slow-hatch bound to a busy line"
	us=$(timed_set "/dev/$CHIP" 0 0 1) || fail "setting slow failed: $us"
	((us >= 100000)) ||
		fail "slow rose in $us us after a second consumer, expected at least 100000"
	us=$(timed_set "/dev/$CHIP" 0 1 0) || fail "setting slow failed: $us"
	((us >= 10000)) ||
		fail "slow fell in $us us after a second consumer, expected at least 10000"
	dt_unbind second-slow-hatch || fail "clearing second-slow-hatch failed"
	dt_unbind slow-hatch || fail "unbinding slow-hatch failed"
}

# A devicetree device without "gpios", handed to the aggregator: bind
# fails with EINVAL and says why.
dt_no_gpios() {
	local why="no platform data and no 'gpios' property"

	must write_attr "$AGG_MODULE" "$PLATFORM_DEVICES/no-gpios/driver_override"
	kmsg_mark
	expect_errno EINVAL write_attr no-gpios "$AGG_DRIVER/bind"
	expect_kmsg_line "gpio-aggregator no-gpios: error -EINVAL: no GPIO lines: $why"
	dt_bound no-gpios && fail "no-gpios bound"
	dt_unbind no-gpios || fail "clearing no-gpios failed"
}

dt_delay_active_low_parent() {
	timed_set_tool
	dt_bound gpio-delay-inverted ||
		fail "gpio-delay-inverted is not bound to $AGG_MODULE"
	expect_line_busy "$(sim_chip dt)" 6
	dt_bind inverted-hatch
	agg_chip inverted-hatch
	expect_eq "line 0 name" "$(line_name inverted-hatch 0)" inverted

	# harness/dts/test.dts: line 6 of dt-sim, active low, rises in 30 ms
	# and falls in 200 ms. The ramp is that of the level on line 6: a
	# logical 0 drives it high and waits the ramp-up delay (30 ms, and not
	# the 200 ms of the other way), a logical 1 drives it low and waits
	# the ramp-down delay. ramp_times sets 1 then 0: FALL is line 6
	# rising, RISE line 6 falling.
	ramp_times "$CHIP" 0
	expect_at_least "setting inverted to 0 (line 6 rising)" 30000 "${FALL[@]}"
	expect_at_least "setting inverted to 1 (line 6 falling)" 200000 "${RISE[@]}"
	expect_faster "setting inverted to 0 (line 6 rising)" "$FALL_MIN" 200000 \
		"the ramp-down delay"
	expect_sim_value dt 6 0
	dt_unbind inverted-hatch || fail "unbinding inverted-hatch failed"
}

# ===========================================================================
# stress

STRESS_LOOPS=${GPIO_AGGREGATOR_STRESS_LOOPS:-1000}

# module_reload_loop STOPFILE COUNTFILE: load and unload the aggregator
# until STOPFILE exists; count the cycles.
module_reload_loop() {
	local n=0

	until [ -e "$1" ]; do
		modprobe "$AGG_MODULE" 2>/dev/null
		rmmod "$AGG_MODULE" 2>/dev/null && n=$((n + 1))
	done
	echo "$n" > "$2"
}

# delete_all_loop STOPFILE: delete whatever aggregator exists, repeatedly.
delete_all_loop() {
	local dev

	until [ -e "$1" ]; do
		for dev in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
			write_attr "${dev##*/}" "$DELETE_DEVICE"
		done 2>/dev/null
	done
}

stress_new_delete_module_reload() {
	local stop=$WORK/stop i dev created=0 reloader deleter a

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	rm -f "$stop"
	module_reload_loop "$stop" "$WORK/reloads" &
	reloader=$!
	delete_all_loop "$stop" &
	deleter=$!
	for ((i = 0; i < STRESS_LOOPS; i++)); do
		write_attr "agg-sim-a $((i % 8)),$(((i + 3) % 8))" "$NEW_DEVICE" \
			2>/dev/null && created=$((created + 1))
		for dev in "$PLATFORM_DEVICES"/gpio-aggregator.*; do
			write_attr "${dev##*/}" "$DELETE_DEVICE"
		done 2>/dev/null
	done
	touch "$stop"
	wait "$reloader" "$deleter"
	note "$CASE: $created devices created, $(cat "$WORK/reloads") module reloads"
	((created > 0)) || fail "no new_device write succeeded"
	(($(cat "$WORK/reloads") > 0)) || fail "the module was never unloaded"

	must load_modules
	for dev in $(agg_devices); do
		must write_attr "$dev" "$DELETE_DEVICE"
	done
	expect_eq "devices left" "$(agg_devices)" ""
	expect_eq "configfs entries left" "$(ls "$AGG_CONFIGFS")" ""
	for ((i = 0; i < 8; i++)); do
		line_free "$a" "$i" || fail "line $i of $a still busy"
	done
	# No id leaked: with no device left, the next one gets the first id.
	agg_new "agg-sim-a 0"
	expect_eq "first device after the stress" "$AGG" gpio-aggregator.0
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:0
	agg_delete "$AGG"
	sim_remove a
}

# live_toggle_loop STOPFILE COUNT: toggle live COUNT times, or until STOPFILE
live_toggle_loop() {
	local i live=$AGG_CONFIGFS/agg0/live

	for ((i = 0; i < $2; i++)); do
		[ -e "$1" ] && break
		write_attr $(( i % 2 ? 1 : 0 )) "$live"
	done 2>/dev/null
}

# line_user_loop STOPFILE: read and write the current chip of agg0 until
# STOPFILE exists.
line_user_loop() {
	local chip

	until [ -e "$1" ]; do
		chip=$(dev_chip "$(cat "$AGG_CONFIGFS/agg0/dev_name")") || continue
		gpioget "$chip" 1
		gpioset "$chip" 1=1
	done > /dev/null 2>&1
}

stress_live_toggle_held_lines() {
	local stop=$WORK/stop holder toggler user a half=$((STRESS_LOOPS / 2))

	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 0
	cfs_line agg0 1 agg-sim-a 1
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	sim_pull a 0 pull-down
	spawn "$WORK/gpioset.out" gpioset --mode=signal "$CHIP" 0=1
	holder=$SPAWNED
	expect_sim_value a 0 1

	rm -f "$stop"
	live_toggle_loop "$stop" "$half" &
	toggler=$!
	line_user_loop "$stop" &
	user=$!
	live_toggle_loop "$stop" "$half"
	wait "$toggler"
	touch "$stop"
	wait "$user"
	pid_gone "$holder" && fail "gpioset holding line 0 died: $(cat "$WORK/gpioset.out")"
	stop "$holder"

	# The device still works, and goes away cleanly.
	write_attr 0 "$AGG_CONFIGFS/agg0/live" 2>/dev/null
	expect_eq "live" "$(cfs_attr agg0/live)" 0
	dev_absent "$CFS_DEV" || fail "$CFS_DEV exists after live=0"
	line_free "$a" 0 || fail "line 0 of $a busy"
	line_free "$a" 1 || fail "line 1 of $a busy"
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	expect_line_map "$CHIP" a:0 a:1
	cfs_remove agg0
	[ ! -e "$AGG_CONFIGFS/agg0" ] || fail "agg0 not removed"
	sim_remove a
}

# Rounds of unbinding and binding the parent controller in
# stress_parent_rebind.
REBIND_ROUNDS=${GPIO_AGGREGATOR_REBIND_ROUNDS:-200}

# rebind_reader_loop STOPFILE COUNTFILE DEV...: until STOPFILE exists, read
# line 0 of each aggregator DEV whose chip is there (a read holds the line
# while it lasts); count the reads that worked.
rebind_reader_loop() {
	local stop=$1 count=$2 n=0 dev chip

	shift 2
	until [ -e "$stop" ]; do
		for dev; do
			chip=$(dev_chip "$dev") || continue
			gpioget "$chip" 0 > /dev/null 2>&1 && n=$((n + 1))
		done
	done
	echo "$n" > "$count"
}

# The parent controller of aggregators made in each way (new_device,
# configfs, devicetree) unbinds and binds again, round after round, without
# waiting for the aggregators, while a process holds one of their lines
# and another reads them. Each unbinding takes the aggregators down and
# each binding brings them back: a probe tried again must not run in the
# middle of the parent's unbinding (the driver core warns about the link
# it leaves). At the end, every aggregator is back and works.
cfs_is_live() {
	[ "$(cfs_attr "$1/live")" = 1 ]
}

stress_parent_rebind() {
	local stop=$WORK/stop sysfs_dev reader i

	# Lines 2 to 6 of the simulator are taken by hatch and gpio-delay
	agg_new "$DT_SIM_LABEL 0"
	sysfs_dev=$AGG
	agg_chip "$sysfs_dev"
	cfs_new agg0
	cfs_line agg0 0 "$DT_SIM_LABEL" 7
	cfs_line agg0 1 "$DT_SIM_LABEL" 1
	cfs_live agg0 1
	dt_bind hatch
	agg_chip hatch
	start_waiter "$(dev_chip "$sysfs_dev")" 0

	rm -f "$stop"
	rebind_reader_loop "$stop" "$WORK/reads" "$sysfs_dev" "$CFS_DEV" hatch &
	reader=$!
	for ((i = 0; i < REBIND_ROUNDS; i++)); do
		write_attr "$DT_SIM_DEVICE" "$SIM_DRIVER/unbind" ||
			fail "round $i: unbinding $DT_SIM_DEVICE failed"
		write_attr "$DT_SIM_DEVICE" "$SIM_DRIVER/bind" ||
			fail "round $i: binding $DT_SIM_DEVICE failed"
	done
	touch "$stop"
	wait "$reader"
	expect_waiter_failed
	note "$CASE: $REBIND_ROUNDS rounds, $(cat "$WORK/reads") reads"

	wait_for "$TIMEOUT" dt_bound hatch || fail "hatch did not come back"
	wait_for "$TIMEOUT" dt_bound gpio-delay || fail "gpio-delay did not come back"
	agg_chip hatch
	expect_hatch_follows_sim
	agg_chip "$sysfs_dev"
	expect_line_map "$CHIP" dt:0
	wait_for "$TIMEOUT" cfs_is_live agg0 ||
		fail "agg0 did not come back: live reads $(cfs_attr agg0/live)"
	agg_chip "$CFS_DEV"
	expect_line_map "$CHIP" dt:7 dt:1
	dt_unbind hatch || fail "unbinding hatch failed"
	cfs_remove agg0
	agg_delete "$sysfs_dev"
}

# ===========================================================================
# malformed: the malformed-input corpus and the fuzzer

CORPUS=$BASE_DIR/gpio-aggregator-corpus
CORPUS_FILE=$BASE_DIR/gpio-aggregator-corpus.txt
FUZZ=$BASE_DIR/gpio-aggregator-fuzz.py
FUZZ_SEED=${GPIO_AGGREGATOR_FUZZ_SEED:-20261202}
FUZZ_N=${GPIO_AGGREGATOR_FUZZ_N:-2000}

# expect_first_free_id SPEC: with no aggregator left, the device SPEC makes
# through new_device gets id 0: no refused input kept an id.
expect_first_free_id() {
	agg_new "$1"
	expect_eq "device made after the $CASE" "$AGG" gpio-aggregator.0
	agg_delete "$AGG"
}

# Every input of gpio-aggregator-corpus.txt is refused with its errno, with
# one kernel message naming the problem, and leaves nothing behind (the
# helper checks each input; see its top comment).
malformed_corpus() {
	[ -x "$CORPUS" ] || fail "$CORPUS not built"
	sim_create corpus 8 agg-corpus - - - - - agg-corpus-line
	cfs_new corpus
	expect_eq "dev_name of corpus" "$CFS_DEV" gpio-aggregator.0
	cfs_line corpus 0 agg-corpus 0
	"$CORPUS" "$CORPUS_FILE" corpus agg-corpus ||
		fail "inputs of $CORPUS_FILE were not refused as expected"
	cfs_remove corpus
	expect_first_free_id "agg-corpus 0"
	sim_remove corpus
}

# A seeded run of random new_device, delete_device and configfs operations
# (gpio-aggregator-fuzz.py); GPIO_AGGREGATOR_FUZZ_SEED and _N set the seed
# and the number of operations. Afterwards nothing is left: no device,
# configfs entry or chip, every parent line free, the first id free.
# chip_labels: the GPIO chips, by label and size, without their gpiochipN
# names: the fuzzer unloads and loads the module, which binds the
# gpio-delay devices again, in an order that need not be the first one.
chip_labels() {
	gpiodetect | sed 's/^gpiochip[0-9]* //' | sort
}

malformed_fuzz() {
	local a b i t0 chips

	sim_create fuzza 8 agg-fuzz-a - agg-fuzz-n0 - - agg-fuzz-n1
	sim_create fuzzb 16 agg-fuzz-b agg-fuzz-n2
	a=$(sim_chip fuzza)
	b=$(sim_chip fuzzb)
	chips=$(chip_labels)
	t0=$(now_us)
	python3 "$FUZZ" "$FUZZ_SEED" "$FUZZ_N" agg-fuzz-a:8 agg-fuzz-b:16 \
		"$a:8" agg-fuzz-n0 agg-fuzz-n1 agg-fuzz-n2 ||
		fail "the fuzzer found unexpected outcomes (seed $FUZZ_SEED)"
	note "$CASE: $FUZZ_N operations in $(( ($(now_us) - t0) / 1000 )) ms"
	module_loaded "$AGG_MODULE" || fail "$AGG_MODULE not loaded after the run"
	expect_eq "devices left" "$(agg_devices)" ""
	expect_eq "configfs entries left" "$(ls "$AGG_CONFIGFS")" ""
	expect_eq "GPIO chips" "$(chip_labels)" "$chips"
	for ((i = 0; i < 8; i++)); do
		line_free "$a" "$i" || fail "line $i of $a still busy"
	done
	for ((i = 0; i < 16; i++)); do
		line_free "$b" "$i" || fail "line $i of $b still busy"
	done
	expect_first_free_id "agg-fuzz-a 0"
	sim_remove fuzza
	sim_remove fuzzb
}

# ===========================================================================
# permissions: an unprivileged user

PERM_UID=65534
# The command prefix that runs a command as uid and gid PERM_UID, with no
# groups and no capabilities
AS_USER=(setpriv --reuid="$PERM_UID" --regid="$PERM_UID" --clear-groups
	 --inh-caps=-all --bounding-set=-all)

# as_user CMD...: run CMD as the unprivileged user. (spawn takes
# "${AS_USER[@]}" CMD instead: a function would run in a subshell of its
# own, which stop() would end without the command.)
as_user() {
	"${AS_USER[@]}" "$@"
}

# user_write VALUE FILE: write_attr, as the unprivileged user.
user_write() {
	# shellcheck disable=SC2016 # expanded by the user's shell
	as_user sh -c 'printf "%s\n" "$1" > "$2"' sh "$1" "$2"
}

perm_is_unprivileged() {
	local status

	status=$(as_user cat /proc/self/status) || fail "setpriv failed"
	expect_eq "uid of as_user" "$(awk '$1 == "Uid:" { print $2 }' <<< "$status")" "$PERM_UID"
	expect_eq "capabilities of as_user" \
		"$(awk '$1 == "CapEff:" { print $2 }' <<< "$status")" 0000000000000000
}

# The user can neither create nor delete aggregators, nor change those of
# root, through sysfs or configfs; nothing changes.
perm_configuration_refused() {
	local dir=$AGG_CONFIGFS/agg0 mirror attr devices entries

	perm_is_unprivileged
	sim_create a 8 agg-sim-a
	agg_new "agg-sim-a 0"
	mirror=$AGG_CONFIGFS/_sysfs.$(agg_id "$AGG")
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 1
	devices=$(agg_devices)
	entries=$(find "$AGG_CONFIGFS" | sort)

	expect_errno EACCES user_write "agg-sim-a 2" "$NEW_DEVICE"
	expect_errno EACCES user_write "$AGG" "$DELETE_DEVICE"
	expect_errno EACCES as_user mkdir "$AGG_CONFIGFS/user0"
	expect_errno EACCES as_user mkdir "$dir/line1"
	expect_errno EACCES as_user rmdir "$dir/line0"
	expect_errno EACCES as_user rmdir "$dir"
	for attr in line0/key:agg-sim-a line0/offset:3 line0/name:x \
		    line0/active_low:1 live:1; do
		expect_errno EACCES user_write "${attr#*:}" "$dir/${attr%%:*}"
		expect_errno EACCES user_write "${attr#*:}" "$mirror/${attr%%:*}"
	done
	expect_eq "devices" "$(agg_devices)" "$devices"
	expect_eq "configfs entries" "$(find "$AGG_CONFIGFS" | sort)" "$entries"
	expect_eq "key of agg0/line0" "$(cfs_attr agg0/line0/key)" agg-sim-a
	expect_eq "offset of agg0/line0" "$(cfs_attr agg0/line0/offset)" 1
	expect_eq "live of agg0" "$(cfs_attr agg0/live)" 0
	dev_absent "$CFS_DEV" || fail "$CFS_DEV went live"
	cfs_remove agg0
	agg_delete "$AGG"
	sim_remove a
}

# Handed the aggregated chip as a udev rule would (chown, chmod), the user
# can use exactly its lines, and still none of the parent chip's.
perm_chip_handed_over() {
	local a pid

	perm_is_unprivileged
	sim_create a 8 agg-sim-a
	a=$(sim_chip a)
	agg_new "agg-sim-a 2,5"
	agg_chip "$AGG"

	# Before: the user cannot open either chip.
	expect_errno EACCES as_user gpioget "$CHIP" 0
	expect_errno EACCES as_user gpioget "$a" 0

	must chown "$PERM_UID:$PERM_UID" "/dev/$CHIP"
	must chmod 0600 "/dev/$CHIP"
	expect_eq "lines seen by the user" \
		"$(as_user gpioinfo "$CHIP" | grep -c '^[[:space:]]*line ')" 2
	sim_pull a 2 pull-up
	sim_pull a 5 pull-down
	expect_eq "values read by the user" "$(as_user gpioget "$CHIP" 0 1)" "1 0"
	spawn "$WORK/gpioset.out" "${AS_USER[@]}" gpioset --mode=signal "$CHIP" 1=1
	pid=$SPAWNED
	expect_sim_value a 5 1
	stop "$pid"
	line_free "$CHIP" 1 || fail "line 1 of $CHIP still held by the user's gpioset"
	# The chip has two lines: no offset beyond them.
	expect_errno EINVAL as_user gpioget "$CHIP" 2
	expect_errno EINVAL as_user gpioget "$CHIP" 7
	expect_errno EINVAL as_user gpioget "$CHIP" 65535

	# The parent chip stays closed to the user, whatever the line.
	expect_errno EACCES as_user gpioget "$a" 0
	expect_errno EACCES as_user gpioget "$a" 2
	expect_errno EACCES as_user gpioinfo "$a"
	# For those who may open it, the aggregated lines are busy.
	expect_line_busy "$a" 2
	expect_line_busy "$a" 5
	line_free "$a" 0 || fail "line 0 of $a, not aggregated, is busy"

	agg_delete "$AGG"
	sim_remove a
}


# Parent controllers that go away: the aggregator unbinds with its parent
# and probes again when the parent comes back.

# wait_tool: make sure gpio-aggregator-wait can run (see timed_set_tool).
wait_tool() {
	[ -x "$WAIT_TOOL" ] && return 0
	WAIT_TOOL=$WORK/gpio-aggregator-wait
	[ -x "$WAIT_TOOL" ] && return 0
	must cc -O2 -Wall -o "$WAIT_TOOL" "$BASE_DIR/gpio-aggregator-wait.c"
}

waiter_holds() {
	grep -qsx held "$WORK/wait.out"
}

# start_waiter CHIP OFFSET: a process holds the line and waits for its
# edges; WAITER is its pid. The first edge shows that it really waits.
start_waiter() {
	wait_tool
	wait_for "$TIMEOUT" test -e "/dev/$1" || fail "/dev/$1 does not appear"
	# The output of an earlier waiter must not pass for this one's
	rm -f "$WORK/wait.out"
	spawn "$WORK/wait.out" "$WAIT_TOOL" "$1" "$2"
	WAITER=$SPAWNED
	wait_for "$TIMEOUT" waiter_holds ||
		fail "nobody holds line $2 of $1: $(cat "$WORK/wait.out")"
}

# expect_waiter_failed: the waiter saw its line go away, exited, and read
# no value through its request after that: ENODEV both times.
expect_waiter_failed() {
	local text

	wait_for "$TIMEOUT" pid_gone "$WAITER" ||
		fail "the waiter still waits: $(cat "$WORK/wait.out")"
	wait "$WAITER" || fail "the waiter failed: $(cat "$WORK/wait.out")"
	text=$(errno_text ENODEV)
	expect_eq "waiter's output" "$(grep -v '^event$' "$WORK/wait.out")" \
		"held"$'\n'"wait: $text"$'\n'"get: $text"
}

sysfs_parent_goes_away() {
	local chip parent

	sim_create a 8 agg-sim-a - - - agg-gone-name
	sim_create b 8 agg-sim-b
	agg_new "agg-sim-a 5 agg-sim-b 1 agg-sim-a 2 agg-gone-name"
	agg_chip "$AGG"
	chip=$CHIP
	start_waiter "$chip" 2
	sim_pull a 2 pull-up
	wait_for "$TIMEOUT" grep -qx event "$WORK/wait.out" ||
		fail "the waiter saw no edge: $(cat "$WORK/wait.out")"

	kmsg_mark
	must write_attr 0 "$SIM_CONFIGFS/a/live"
	expect_waiter_failed
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip outlived its parent"
	dev_absent "$AGG" && fail "$AGG went away with its parent"
	parent=$(cat "$SIM_CONFIGFS/a/dev_name")
	expect_kmsg_line \
		"gpio-aggregator $AGG: GPIO controller $parent is going away: unbinding until it is back"
	expect_errno ENOENT gpioget "$chip" 0
	line_free "$(sim_chip b)" 1 || fail "line 1 of agg-sim-b still held"

	must write_attr 1 "$SIM_CONFIGFS/a/live"
	agg_chip "$AGG"
	expect_line_map "$CHIP" a:5 b:1 a:2 a:3
	agg_delete "$AGG"
	expect_agg_gone "$AGG" "$CHIP"
	sim_remove b
	sim_remove a
}

configfs_parent_goes_away() {
	local dir=$AGG_CONFIGFS/agg0 chip

	sim_create a 8 agg-sim-a
	cfs_new agg0
	cfs_line agg0 0 agg-sim-a 6
	cfs_line agg0 1 agg-sim-a 2
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	chip=$CHIP
	start_waiter "$chip" 0

	must write_attr 0 "$SIM_CONFIGFS/a/live"
	expect_waiter_failed
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip outlived its parent"
	expect_eq "live while the parent is away" "$(cfs_attr agg0/live)" 0
	expect_errno EBUSY rmdir "$dir/line1"

	must write_attr 1 "$SIM_CONFIGFS/a/live"
	agg_chip "$CFS_DEV"
	expect_eq "live with the parent back" "$(cfs_attr agg0/live)" 1
	expect_line_map "$CHIP" a:6 a:2

	# Brought up while its parent is away: ENODEV, and it stays down.
	# Then taken down and removed.
	chip=$CHIP
	must write_attr 0 "$SIM_CONFIGFS/a/live"
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip outlived its parent"
	expect_live_fails agg0 "parent away" ENODEV
	cfs_live agg0 0
	must rmdir "$dir/line0" "$dir/line1" "$dir"
	dev_absent "$CFS_DEV" || fail "$CFS_DEV outlived its configfs entry"
	sim_remove a
}

dt_parent_goes_away() {
	local chip

	dt_bind hatch
	agg_chip hatch
	chip=$CHIP
	start_waiter "$chip" 0

	must write_attr "$DT_SIM_DEVICE" "$SIM_DRIVER/unbind"
	expect_waiter_failed
	wait_for "$TIMEOUT" chip_gone "$chip" || fail "$chip outlived its parent"
	dt_bound hatch && fail "hatch is still bound without its parent"
	expect_deferred_after hatch "cannot get GPIO 0" "$DT_SIM_DEVICE"
	dt_bound gpio-delay && fail "gpio-delay is still bound without its parent"

	must write_attr "$DT_SIM_DEVICE" "$SIM_DRIVER/bind"
	wait_for "$TIMEOUT" dt_bound hatch || fail "hatch did not come back"
	wait_for "$TIMEOUT" dt_bound gpio-delay || fail "gpio-delay did not come back"
	agg_chip hatch
	expect_hatch_follows_sim
	dt_unbind hatch || fail "unbinding hatch failed"
}

# ===========================================================================
# concurrency: everything at once, on two configfs devices and through
# new_device, for GPIO_AGGREGATOR_CONCURRENCY_SECONDS (default 15). Each
# worker is a background loop that checks what it can know of its own
# operations (the errno of a write others may refuse, what it reads back),
# counts them in $WORK/conc/NAME.counts and reports any surprise in
# $WORK/conc/NAME.err. agg0 (sim lines a:0-3) is churned: live toggles,
# attribute writes, rmdir and mkdir of a line and of itself, users of its
# chip. agg1 (b:0-3) stays live, so that what happens on it is exact: edges
# and values. Its configfs entries pin the module: unloading must fail.
# The workers fork as little as they can: forks are slow in UML, and the
# more operations, the more interleavings.

CONC_SECONDS=${GPIO_AGGREGATOR_CONCURRENCY_SECONDS:-15}
# Seconds a worker has to finish after the stop: more than the debug
# kernel's hung-task timeout (10 s), so that a deadlock is also reported
# by the kernel.
CONC_STUCK=30
# The pull that makes a sim line read 0, and 1
CONC_PULLS=(pull-down pull-up)

# conc_try CMD...: run CMD in this shell; TRY is 0 when it succeeds, else
# the name of the errno its message shows (or the message itself).
conc_try() {
	local out=

	if "$@" 2> "$CONC_ERRF"; then
		TRY=0
		return
	fi
	IFS= read -r out < "$CONC_ERRF"
	case $out in
	*"Invalid argument"*) TRY=EINVAL ;;
	*"No such file or directory"*) TRY=ENOENT ;;
	*"Device or resource busy"*|*"in use"*) TRY=EBUSY ;;
	*"Directory not empty"*) TRY=ENOTEMPTY ;;
	*) TRY="'$out'" ;;
	esac
}

# conc_read FILE: REPLY is the first line of FILE.
conc_read() {
	REPLY=
	IFS= read -r REPLY < "$1"
}

# conc_error MSG: a worker's surprise, kept for the verdict.
conc_error() {
	printf '%s\n' "$CONC_WORKER: $*" >> "$WORK/conc/$CONC_WORKER.err"
}

# conc_count KIND: one more operation of KIND by this worker.
conc_count() {
	CONC_COUNTS[$1]=$(( ${CONC_COUNTS[$1]:-0} + 1 ))
}

# conc_expect WHAT ALLOWED...: TRY is one of ALLOWED; counts WHAT:TRY.
conc_expect() {
	local what=$1 ok

	shift
	conc_count "$what:$TRY"
	for ok; do
		[ "$TRY" = "$ok" ] && return 0
	done
	conc_error "$what: got $TRY, expected one of: $*"
	return 1
}

# conc_worker NAME STOPFILE FUNCTION: run FUNCTION ITERATION until STOPFILE
# exists, then save the counts; in the background, its pid in $WORK/pids.
conc_worker() {
	(
		declare -A CONC_COUNTS=()
		local kind i=0

		CONC_WORKER=$1
		CONC_ERRF=$WORK/conc/$1.stderr
		until [ -e "$2" ]; do
			"$3" "$i"
			i=$((i + 1))
		done
		for kind in "${!CONC_COUNTS[@]}"; do
			echo "$kind ${CONC_COUNTS[$kind]}"
		done > "$WORK/conc/$1.counts"
	) &
	echo "$!" >> "$WORK/pids"
	CONC_PIDS+=" $!"
}

# conc_chip DEV: CHIP_NOW is the gpiochipN of platform device DEV; fails
# when it has none.
conc_chip() {
	local path

	CHIP_NOW=
	for path in "$PLATFORM_DEVICES/$1"/gpiochip*; do
		[ -e "$path" ] && CHIP_NOW=${path##*/}
	done
	[ -n "$CHIP_NOW" ]
}

# conc_attr ATTR VALUE: write VALUE to agg0's ATTR (refused while live), and
# read it back when the write went through: only this worker writes it.
conc_attr() {
	local file=$AGG_CONFIGFS/agg0/$1

	conc_try write_attr "$2" "$file"
	conc_expect "attr-write" 0 EBUSY || return 1
	[ "$TRY" = 0 ] || return 1
	conc_read "$file"
	[ "$REPLY" = "$2" ] || conc_error "$1 reads '$REPLY' after writing '$2'"
}

# Attribute writes, line rmdir and mkdir, and rmdir of the device, on agg0.
# Line 3 goes through absent -> no key -> complete; live=1 is refused
# (EINVAL) while it has no key.
CONC_LINE3=complete
conc_configfs_op() {
	local i=$1 dir=$AGG_CONFIGFS/agg0

	case $((i % 6)) in
	0) conc_attr "line$(((i / 6) % 3))/name" "conc-$i" ;;
	1) conc_attr line1/active_low $(((i / 6) % 2)) ;;
	2) conc_attr line2/offset $(((i / 6) % 2 ? 4 : 2)) ;;
	3) conc_attr line0/key agg-sim-a ;;
	4)
		case $CONC_LINE3 in
		complete)
			conc_try rmdir "$dir/line3"
			conc_expect "rmdir-line" 0 EBUSY && [ "$TRY" = 0 ] &&
				CONC_LINE3=absent ;;
		absent)
			conc_try mkdir "$dir/line3"
			conc_expect "mkdir-line" 0 EBUSY && [ "$TRY" = 0 ] &&
				CONC_LINE3=nokey ;;
		nokey)
			# The offset first: with a key and the default offset,
			# line3 would name line0's parent line.
			conc_attr line3/offset 3 &&
				conc_attr line3/key agg-sim-a &&
				CONC_LINE3=complete ;;
		esac ;;
	5)
		conc_try rmdir "$dir"
		conc_expect "rmdir-device" EBUSY ENOTEMPTY ;;
	esac
}

# live=1 then live=0 on agg0; each is checked by what it left. live=1 is
# refused while line 3 has no key (EINVAL) or while the sysfs worker's
# device holds line 1 (EBUSY).
conc_live_op() {
	local live=$AGG_CONFIGFS/agg0/live

	conc_try write_attr 1 "$live"
	if conc_expect "live-1" 0 EINVAL EBUSY && [ "$TRY" = 0 ]; then
		conc_read "$live"
		[ "$REPLY" = 1 ] || conc_error "live reads $REPLY after live=1"
		conc_chip "$CONC_DEV0" || conc_error "$CONC_DEV0 has no chip after live=1"
	fi
	conc_try write_attr 0 "$live"
	conc_expect "live-0" 0 || return
	conc_read "$live"
	[ "$REPLY" = 0 ] || conc_error "live reads $REPLY after live=0"
	dev_absent "$CONC_DEV0" || conc_error "$CONC_DEV0 exists after live=0"
}

# conc_outcome KIND CMD...: run CMD, count KIND:ok or KIND:failed.
conc_outcome() {
	local kind=$1

	shift
	if "$@" > /dev/null 2>&1; then
		conc_count "$kind:ok"
	else
		conc_count "$kind:failed"
	fi
}

# A user of agg0's chip, which comes and goes: waits for an edge on line 1,
# sets line 0, reads line 2. Nothing here is certain but that it ends.
# The chip is named by its label, the device's name: a gpiochipN of agg0
# may be another aggregator's by the time it is opened (a lookup by label
# fails when any chip goes away during it: that only counts as a failure).
conc_agg0_user_op() {
	local i=$1 mon

	# Not a busy loop while agg0 is down: that would starve the others.
	wait_for 1 conc_chip "$CONC_DEV0" || { conc_count "agg0-no-chip"; return; }
	gpiomon --num-events=1 --rising-edge "$CONC_DEV0" 1 > /dev/null 2>&1 &
	mon=$!
	write_attr "${CONC_PULLS[i % 2]}" "$CONC_PULL_A1"
	conc_outcome agg0-set gpioset "$CONC_DEV0" 0=$((i % 2))
	conc_outcome agg0-get gpioget "$CONC_DEV0" 2
	kill "$mon" 2>/dev/null
	conc_outcome agg0-edge wait "$mon"
}

# new_device and delete_device; this worker alone makes sysfs devices, so
# the only _sysfs.N mirror is its own. Even iterations take lines of their
# own (a:8-11), which must work at once; odd ones a:1, agg0's, so that the
# device may wait for agg0 to let it go.
conc_sysfs_op() {
	local i=$1 spec mirrors dev v r

	if ((i % 2)); then spec="agg-sim-a 1"; else spec="agg-sim-a 8-11"; fi
	conc_try write_attr "$spec" "$NEW_DEVICE"
	conc_expect "new_device" 0 || return
	mirrors=("$AGG_CONFIGFS"/_sysfs.*)
	if [ "${#mirrors[@]}" != 1 ] || [ ! -d "${mirrors[0]}" ]; then
		conc_error "after new_device '$spec': mirrors ${mirrors[*]}"
		return
	fi
	conc_read "${mirrors[0]}/dev_name"
	dev=$REPLY
	if ! ((i % 2)); then
		if conc_chip "$dev"; then
			v=$(((i / 2) % 2))
			write_attr "${CONC_PULLS[v]}" "$CONC_PULL_A9"
			r=$(gpioget "$CHIP_NOW" 1 2>&1)
			[ "$r" = "$v" ] && TRY=0 || TRY="'$r'"
			conc_expect "sysfs-get" 0
		else
			conc_error "$dev ('$spec') has no chip"
		fi
	fi
	conc_try write_attr "$dev" "$DELETE_DEVICE"
	conc_expect "delete_device" 0 || return
	dev_absent "$dev" || conc_error "$dev exists after delete_device"
	[ ! -e "${mirrors[0]}" ] || conc_error "${mirrors[0]} exists after delete_device"
}

# conc_line_used_by CHIP OFFSET CONSUMER
conc_line_used_by() {
	[[ $(line_info "$1" "$2") == *"\"$3\""* ]]
}

# conc_has_line FILE: FILE has a whole line.
conc_has_line() {
	local line

	IFS= read -r line < "$1"
}

# Edges on agg1's line 0: gpiomon waits for two rising edges that the sim
# line makes, and must see exactly them.
conc_edge_op() {
	local out=$WORK/conc/gpiomon.out mon r

	write_attr pull-down "$CONC_PULL_B0"
	gpiomon --num-events=2 --rising-edge --line-buffered --format='%o %e' \
		"$CONC_CHIP1" 0 \
		> "$out" 2>&1 &
	mon=$!
	if ! wait_for "$TIMEOUT" conc_line_used_by "$CONC_CHIP1" 0 gpiomon; then
		conc_error "gpiomon on $CONC_CHIP1 0 did not start: $(cat "$out")"
		kill "$mon"
		wait "$mon"
		return
	fi
	# gpio-sim makes one interrupt of edges that come before it ran:
	# the second edge waits for the first event.
	write_attr pull-up "$CONC_PULL_B0"
	wait_for "$TIMEOUT" conc_has_line "$out"
	write_attr pull-down "$CONC_PULL_B0"
	write_attr pull-up "$CONC_PULL_B0"
	if ! wait_for "$TIMEOUT" pid_gone "$mon"; then
		conc_error "gpiomon on $CONC_CHIP1 0 missed edges: $(cat "$out")"
		kill "$mon"
	fi
	wait "$mon"
	r=$(tr '\n' ' ' < "$out")
	[ "$r" = "0 1 0 1 " ] && TRY=0 || TRY="'$r'"
	conc_expect "agg1-edges" 0
}

# Values on agg1: line 1 set through the aggregator reaches the sim line;
# line 2 reads what the sim line's pull says.
conc_values_op() {
	local v=$(($1 % 2)) r

	conc_try gpioset "$CONC_CHIP1" "1=$v"
	if conc_expect "agg1-set" 0; then
		conc_read "$CONC_VALUE_B1"
		[ "$REPLY" = "$v" ] || conc_error "sim b:1 is $REPLY after setting $v"
	fi
	write_attr "${CONC_PULLS[v]}" "$CONC_PULL_B2"
	r=$(gpioget "$CONC_CHIP1" 2 2>&1)
	[ "$r" = "$v" ] && TRY=0 || TRY="'$r'"
	conc_expect "agg1-get" 0
}

# Module unload attempts, refused while configfs entries exist; loading
# again is a no-op that must succeed.
conc_module_op() {
	conc_try rmmod "$AGG_MODULE"
	conc_expect "rmmod" EBUSY
	module_loaded "$AGG_MODULE" || conc_error "$AGG_MODULE was unloaded"
	conc_try modprobe "$AGG_MODULE"
	conc_expect "modprobe" 0
}

# conc_expect_some KIND: some operation of KIND succeeded.
conc_expect_some() {
	local n

	n=$(awk -v k="$1:0" '$1 == k { s += $2 } END { print s + 0 }' \
		"$WORK"/conc/*.counts)
	((n > 0)) || fail "no $1 succeeded"
}

concurrency_everything_at_once() {
	local stop=$WORK/conc/stop chips_before holder pid stuck="" f i a b t0

	chips_before=$(gpiodetect)
	mkdir -p "$WORK/conc"
	rm -f "$WORK"/conc/*
	sim_create a 16 agg-sim-a
	sim_create b 8 agg-sim-b
	a=$(sim_chip a)
	b=$(sim_chip b)
	CONC_PULL_A1=$(sim_line_attr a 1 pull)
	CONC_PULL_A9=$(sim_line_attr a 9 pull)
	CONC_PULL_B0=$(sim_line_attr b 0 pull)
	CONC_PULL_B2=$(sim_line_attr b 2 pull)
	CONC_VALUE_B1=$(sim_line_attr b 1 value)
	cfs_new agg0
	CONC_DEV0=$CFS_DEV
	for i in 0 1 2 3; do
		cfs_line agg0 "$i" agg-sim-a "$i"
	done
	cfs_new agg1
	for i in 0 1 2 3; do
		cfs_line agg1 "$i" agg-sim-b "$i"
	done
	cfs_live agg1 1
	agg_chip "$CFS_DEV"
	CONC_CHIP1=$CHIP
	# A user holds agg1's line 3 all along.
	spawn "$WORK/conc/holder.out" gpioset --mode=signal "$CONC_CHIP1" 3=1
	holder=$SPAWNED
	expect_sim_value b 3 1

	CONC_PIDS=
	t0=$(now_us)
	conc_worker configfs "$stop" conc_configfs_op
	conc_worker live "$stop" conc_live_op
	conc_worker agg0-user "$stop" conc_agg0_user_op
	conc_worker sysfs "$stop" conc_sysfs_op
	conc_worker edges "$stop" conc_edge_op
	conc_worker values "$stop" conc_values_op
	conc_worker module "$stop" conc_module_op
	sleep "$CONC_SECONDS"
	touch "$stop"
	for pid in $CONC_PIDS; do
		wait_for "$CONC_STUCK" pid_gone "$pid" || stuck+=" $pid"
	done
	if [ -n "$stuck" ]; then
		# The stacks of blocked tasks, in the kernel log
		[ -w /proc/sysrq-trigger ] && echo w > /proc/sysrq-trigger
		fail "workers$stuck still run ${CONC_STUCK}s after the stop (deadlock?)"
	fi
	# shellcheck disable=SC2086 # a list of pids
	wait $CONC_PIDS
	note "$CASE: ran $(( ($(now_us) - t0) / 1000 )) ms" \
		"(stop after ${CONC_SECONDS} s), 7 workers;" \
		"operations (kind:result count):"
	cat "$WORK"/conc/*.counts | sort | while read -r f i; do
		note "  $f $i"
	done
	for f in "$WORK"/conc/*.err; do
		[ -s "$f" ] || continue
		head -n 20 "$f" | while read -r i; do note "$i"; done
		fail "$(grep -c '' "$f") unexpected results in worker ${f##*/}"
	done
	for f in configfs live agg0-user sysfs edges values module; do
		[ -s "$WORK/conc/$f.counts" ] || fail "worker $f did nothing"
	done
	# What cannot be refused must have happened; whether a configfs
	# change found agg0 down is up to the scheduler.
	for f in live-0 new_device delete_device sysfs-get agg1-edges agg1-set \
		agg1-get modprobe; do
		conc_expect_some "$f"
	done

	! pid_gone "$holder" ||
		fail "gpioset holding agg1 line 3 died: $(cat "$WORK/conc/holder.out")"
	expect_sim_value b 3 1
	stop "$holder"

	# Nothing left: agg0 still goes live with all its lines, and
	# everything goes away cleanly.
	cfs_live agg0 0
	[ -d "$AGG_CONFIGFS/agg0/line3" ] || must mkdir "$AGG_CONFIGFS/agg0/line3"
	must write_attr 3 "$AGG_CONFIGFS/agg0/line3/offset"
	must write_attr agg-sim-a "$AGG_CONFIGFS/agg0/line3/key"
	cfs_live agg0 1
	agg_chip "$CONC_DEV0"
	expect_eq "lines of agg0" "$(chip_num_lines "$CHIP")" 4
	must gpioget "$CHIP" 0 1 2 3
	cfs_remove agg0
	cfs_remove agg1
	expect_eq "devices left" "$(agg_devices)" ""
	expect_eq "configfs entries left" "$(ls "$AGG_CONFIGFS")" ""
	for ((i = 0; i < 16; i++)); do
		line_free "$a" "$i" || fail "line $i of $a still busy"
	done
	for ((i = 0; i < 8; i++)); do
		line_free "$b" "$i" || fail "line $i of $b still busy"
	done
	sim_remove a
	sim_remove b
	expect_eq "GPIO chips after the run" "$(gpiodetect)" "$chips_before"
}

# ===========================================================================
# expander: aggregators over real I2C expanders, PCA9555s of gpio-pca953x
# on i2c-stub (exp_setup), whose registers i2cget and i2cset read and
# write; the aggregator reaches each expander with one sleeping call per
# operation, under its regmap and i2c locks.

# exp_interleaved: four lines of each expander, interleaved, with two
# gpio-sim lines among them: EXP_SPEC for new_device and EXP_MAP for the
# checks. Needs exp_setup and the gpio-sim chip "s".
exp_interleaved() {
	local l0 l1 l2 l3

	l0=$(exp_label 0x20) l1=$(exp_label 0x21) l2=$(exp_label 0x22) l3=$(exp_label 0x23)
	EXP_SPEC="$l0 0 $l1 0 $l2 0 $l3 0 agg-sim-s 0 $l0 9 $l1 9 $l2 9 $l3 9 agg-sim-s 1"
	EXP_SPEC+=" $l0 15 $l1 7 $l2 8 $l3 1 $l0 3 $l1 12"
	EXP_MAP="0x20:0 0x21:0 0x22:0 0x23:0 sim:s:0 0x20:9 0x21:9 0x22:9 0x23:9 sim:s:1"
	EXP_MAP+=" 0x20:15 0x21:7 0x22:8 0x23:1 0x20:3 0x21:12"
}

expander_sysfs_interleaved() {
	exp_setup
	sim_create s 8 agg-sim-s
	exp_interleaved
	agg_new "$EXP_SPEC"
	agg_chip "$AGG"
	expect_eq "lines" "$(chip_num_lines "$CHIP")" 16
	exp_expect_set "$CHIP" "$EXP_MAP" "1 0 1 1 0 0 1 0 1 1 1 0 0 1 1 0"
	exp_expect_set "$CHIP" "$EXP_MAP" "0 1 0 0 1 1 0 1 0 0 0 1 1 0 0 1"
	exp_expect_set "$CHIP" "$EXP_MAP" "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"
	exp_expect_get "$CHIP" "$EXP_MAP" "1 0 0 1 1 0 1 1 0 0 1 0 1 0 1 1"
	exp_expect_get "$CHIP" "$EXP_MAP" "0 1 1 0 0 1 0 0 1 1 0 1 0 1 0 0"
	agg_delete "$AGG"
	expect_agg_gone "$AGG" "$CHIP"
	sim_remove s
	exp_teardown
}

# Grouped: four lines of each expander in a row, then two gpio-sim lines;
# some of them active-low.
expander_configfs_grouped() {
	local i=0 word key map="" l

	exp_setup
	sim_create s 8 agg-sim-s
	cfs_new agg0
	for word in 0x20:0 0x20:1! 0x20:8 0x20:15 0x21:4 0x21:5 0x21:6! 0x21:7 \
		    0x22:8 0x22:9 0x22:10 0x22:11! 0x23:0! 0x23:13 0x23:14 0x23:2 \
		    sim:s:2 sim:s:3!; do
		l=
		[[ $word == *! ]] && l=1
		key=${word%!}
		if [[ $key == sim:* ]]; then
			cfs_line agg0 "$i" agg-sim-s "${key##*:}" "" "$l"
		else
			cfs_line agg0 "$i" "$(exp_label "${key%:*}")" "${key#*:}" "" "$l"
		fi
		map+=" $word"
		i=$((i + 1))
	done
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	exp_expect_set "$CHIP" "$map" "1 1 0 0 1 0 1 0 0 1 1 1 0 1 0 1 1 1"
	exp_expect_set "$CHIP" "$map" "0 0 1 1 0 1 0 1 1 0 0 0 1 0 1 0 0 0"
	exp_expect_get "$CHIP" "$map" "1 1 0 1 0 0 1 1 1 0 1 0 0 1 1 0 1 1"
	exp_expect_get "$CHIP" "$map" "0 0 1 0 1 1 0 0 0 1 0 1 1 0 0 1 0 0"
	cfs_remove agg0
	dev_absent "$CFS_DEV" || fail "$CFS_DEV outlived its configfs entry"
	sim_remove s
	exp_teardown
}

# exp_check_one_line CHIP OFFSET WORD: gpioset and gpioget of the single
# line OFFSET of CHIP, described by WORD as for exp_expect_set, reach one
# bit of one register of its expander.
exp_check_one_line() {
	local chip=$1 off=$2 word=$3 v level addr reg value

	for v in 1 0 1; do
		level=$v
		[[ $word == *! ]] && level=$((!v))
		read -r addr reg value <<< "$(exp_map_regs 2 "$word" "$level")"
		must gpioset "$chip" "$off=$v"
		exp_expect_reg "$addr" "$reg" "$value"
	done
	for level in 1 0; do
		v=$level
		[[ $word == *! ]] && v=$((!level))
		read -r addr reg value <<< "$(exp_map_regs 0 "$word" "$level")"
		exp_write_reg "$addr" "$reg" "$value"
		expect_values "$chip" "$off" "$v"
	done
}

# One line at a time, active-low included. An expander keeps its outputs
# when gpioset exits: the aggregator holds the parent line.
expander_single_line() {
	exp_setup
	cfs_new agg0
	cfs_line agg0 0 "$(exp_label 0x21)" 10
	cfs_line agg0 1 "$(exp_label 0x22)" 3
	cfs_line agg0 2 "$(exp_label 0x23)" 12 "" 1
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	exp_check_one_line "$CHIP" 0 0x21:10
	exp_check_one_line "$CHIP" 1 0x22:3
	exp_check_one_line "$CHIP" 2 0x23:12!
	# and the other bits of the register stay as they were
	exp_expect_reg 0x21 0x02 0x00
	exp_expect_reg 0x22 0x02 0x08
	exp_expect_reg 0x23 0x03 0x00
	cfs_remove agg0
	exp_teardown
}

# An expander whose I2C device is deleted under a sysfs and a configfs
# aggregator: both go down as the guide says for parents that go away
# (chip gone, device kept, lines of the other parents free, one log line
# each) and come back when the expander does.
expander_goes_away() {
	local sysfs_chip cfs_chip l0 l1 l2 map="0x20:1 0x21:2 sim:s:0 0x21:3"

	exp_setup
	sim_create s 8 agg-sim-s
	l0=$(exp_label 0x20) l1=$(exp_label 0x21) l2=$(exp_label 0x22)
	agg_new "$l0 1 $l1 2 agg-sim-s 0 $l1 3"
	agg_chip "$AGG"
	sysfs_chip=$CHIP
	cfs_new agg0
	cfs_line agg0 0 "$l2" 6
	cfs_line agg0 1 "$l1" 5
	cfs_live agg0 1
	agg_chip "$CFS_DEV"
	cfs_chip=$CHIP
	exp_expect_set "$sysfs_chip" "$map" "1 1 1 1"

	kmsg_mark
	exp_remove 0x21
	wait_for "$TIMEOUT" chip_gone "$sysfs_chip" || fail "$sysfs_chip outlived its parent"
	wait_for "$TIMEOUT" chip_gone "$cfs_chip" || fail "$cfs_chip outlived its parent"
	dev_absent "$AGG" && fail "$AGG went away with its parent"
	expect_errno ENOENT gpioget "$sysfs_chip" 0
	expect_eq "live while the parent is away" "$(cfs_attr agg0/live)" 0
	line_free "$(exp_chip 0x20)" 1 || fail "line 1 of $l0 still held"
	line_free "$(exp_chip 0x22)" 6 || fail "line 6 of $l2 still held"
	line_free "$(sim_chip s)" 0 || fail "line 0 of agg-sim-s still held"
	expect_eq "going-away lines in the kernel log" \
		"$(kmsg_since_mark |
		   grep -c "GPIO controller $l1 is going away: unbinding until it is back")" 2

	exp_add 0x21
	agg_chip "$AGG"
	exp_expect_set "$CHIP" "$map" "0 1 1 0"
	exp_expect_get "$CHIP" "$map" "1 0 1 1"
	agg_chip "$CFS_DEV"
	expect_eq "live with the parent back" "$(cfs_attr agg0/live)" 1
	exp_expect_set "$CHIP" "0x22:6 0x21:5" "1 0"
	exp_expect_get "$CHIP" "0x22:6 0x21:5" "0 1"
	agg_delete "$AGG"
	cfs_remove agg0
	sim_remove s
	exp_teardown
}

# ===========================================================================
# Test runner

TEST_GROUPS="sysfs forward configfs devicetree stress malformed permissions concurrency expander"

# group_cases GROUP: the cases of a group, in running order.
group_cases() {
	case $1 in
	sysfs) echo \
		sysfs_attribute_modes \
		sysfs_doc_example \
		sysfs_gpiochip_name_key \
		sysfs_order_kept \
		sysfs_line_names \
		sysfs_quoted_line_name \
		sysfs_utf8_names \
		sysfs_max_offset \
		sysfs_malformed_rejected \
		sysfs_malformed_uses_no_id \
		sysfs_malformed_cut \
		sysfs_deferred_probe \
		sysfs_delete_device_errors \
		sysfs_delete_releases_lines \
		sysfs_unload_removes_devices \
		sysfs_parent_goes_away \
		sysfs_creation_cost ;;
	forward) echo \
		forward_chip_label \
		forward_can_sleep \
		forward_get_values \
		forward_set_values \
		forward_nested_aggregators \
		forward_direction \
		forward_bias \
		forward_edge_events \
		forward_parent_busy ;;
	configfs) echo \
		configfs_mkdir_dev_name \
		configfs_reserved_names \
		configfs_line_group_names \
		configfs_line_defaults \
		configfs_attribute_values \
		configfs_live_values \
		configfs_doc_example \
		configfs_line_name_key \
		configfs_utf8_key_name \
		configfs_gpiochip_name_key \
		configfs_key_name_trimmed \
		configfs_label_not_unique \
		configfs_live_validation \
		configfs_live_probe_errors \
		configfs_busy_while_live \
		configfs_live_toggle \
		configfs_active_low \
		configfs_delete_device_refused \
		configfs_sysfs_mirror \
		configfs_sysfs_mirror_rules \
		configfs_sysfs_mirror_deferred \
		configfs_unload_refused \
		configfs_parent_goes_away \
		configfs_creation_cost ;;
	devicetree) echo \
		dt_platform_devices \
		dt_delay_bound \
		dt_hatch_bind \
		dt_hatch_values \
		dt_hatch_unbind_rebind \
		dt_delay_ramp \
		dt_delay_active_low_parent \
		dt_delay_second_consumer \
		dt_no_gpios \
		dt_parent_goes_away ;;
	stress) echo \
		stress_new_delete_module_reload \
		stress_live_toggle_held_lines \
		stress_parent_rebind ;;
	malformed) echo \
		malformed_corpus \
		malformed_fuzz ;;
	permissions) echo \
		perm_configuration_refused \
		perm_chip_handed_over ;;
	concurrency) echo \
		concurrency_everything_at_once ;;
	expander) echo \
		expander_sysfs_interleaved \
		expander_configfs_grouped \
		expander_single_line \
		expander_goes_away ;;
	esac
}

usage() {
	echo "usage: $0 [-l] [GROUP|CASE...]"
	echo "  GROUP: $TEST_GROUPS; CASE: a test case name or glob (see -l)"
	echo "  without arguments, \$GPIO_AGGREGATOR_TESTS selects; else all run"
}

list_cases() {
	local group case

	for group in $TEST_GROUPS; do
		echo "$group:"
		for case in $(group_cases "$group"); do
			echo "  $case"
		done
	done
}

all_cases() {
	local group

	for group in $TEST_GROUPS; do
		group_cases "$group"
	done
}

# select_cases WORD...: the cases the words select, in the order of the file.
select_cases() {
	local word case group selected="" matched

	[ $# -gt 0 ] || { all_cases; return 0; }
	for word; do
		matched=
		for group in $TEST_GROUPS; do
			if [ "$word" = "$group" ]; then
				selected+=" $(group_cases "$group")"
				matched=1
			fi
		done
		for case in $(all_cases); do
			# shellcheck disable=SC2053 # WORD may be a glob
			if [[ $case == $word ]]; then
				selected+=" $case"
				matched=1
			fi
		done
		[ -n "$matched" ] || { echo "unknown group or case: $word" >&2; return 1; }
	done
	for case in $(all_cases); do
		if [[ " $selected " == *" $case "* ]]; then
			echo "$case"
		fi
	done
}

# needs_dt CASE: the case tests harness/dts/test.dts.
needs_dt() {
	[[ $1 == dt_* || $1 == stress_parent_rebind ]]
}

run_case() {
	local rc left line start=${EPOCHREALTIME/./}

	CASE=$1
	if needs_dt "$CASE" && [ ! -d /sys/firmware/devicetree/base ]; then
		ktap_test_skip "$CASE (no devicetree)"
		return
	fi
	: > "$WORK/pids"
	( "$CASE" )
	rc=$?
	left=$(leftovers)
	if [ -n "$left" ]; then
		while read -r line; do
			note "$CASE left behind: $line"
		done <<< "$left"
		rc=1
	fi
	cleanup_all
	ktap_print_msg "$CASE took $(( (${EPOCHREALTIME/./} - start) / 1000 )) ms"
	if [ "$rc" = 0 ]; then
		ktap_test_pass "$CASE"
	else
		ktap_test_fail "$CASE"
	fi
}

main() {
	local cases case count tool

	case ${1:-} in
	-h|--help) usage; exit 0 ;;
	-l|--list) list_cases; exit 0 ;;
	esac
	if [ $# -eq 0 ] && [ -n "${GPIO_AGGREGATOR_TESTS:-}" ]; then
		# shellcheck disable=SC2086 # a list of words
		set -- $GPIO_AGGREGATOR_TESTS
	fi
	cases=$(select_cases "$@") || { usage >&2; exit 2; }
	count=$(wc -w <<< "$cases")

	ktap_print_header
	if [ "$(id -u)" != 0 ]; then
		ktap_skip_all "must be run as root"
		exit "$KSFT_SKIP"
	fi
	if ! modprobe "$SIM_MODULE" || [ ! -d "$SIM_CONFIGFS" ]; then
		ktap_skip_all "gpio-sim is not available"
		exit "$KSFT_SKIP"
	fi
	for tool in gpiodetect gpioinfo gpioget gpioset gpiomon; do
		if ! command -v "$tool" > /dev/null; then
			ktap_skip_all "$tool (libgpiod 1.6) not found"
			exit "$KSFT_SKIP"
		fi
	done
	modprobe "$AGG_MODULE" || note "loading $AGG_MODULE failed"

	WORK=$(mktemp -d) || ktap_exit_fail_msg "mktemp failed"
	nap_open "$WORK" || ktap_exit_fail_msg "mkfifo in $WORK failed"
	trap 'cleanup_all; rm -rf "$WORK"' EXIT
	trap 'exit 1' TERM INT
	cleanup_all

	ktap_set_plan "$count"
	for case in $cases; do
		run_case "$case"
	done

	CASE=teardown
	cleanup_all
	rmmod "$AGG_MODULE" || note "unloading $AGG_MODULE failed"
	rmmod "$SIM_MODULE" || note "unloading $SIM_MODULE failed"
	rm -rf "$WORK"
	trap - EXIT
	ktap_finished
}

main "$@"
