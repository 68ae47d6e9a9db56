#!/bin/sh
# Runs inside the test kernel for `make run`: what a user of the aggregator
# sees. Two simulated GPIO controllers (gpio-sim) stand in for real ones;
# lines of both are aggregated into one new chip through sysfs, used, and
# torn down; then an aggregator with named lines is built in configfs, and
# the "hatch" device of the test devicetree is bound to the aggregator.
# Every value it shows is also checked: a wrong one ends the demo with
# "demo: ..." and a non-zero status, which fails `make run` and the demo
# step of `make test`.
set -eu

SIM=/sys/kernel/config/gpio-sim
AGG_CFS=/sys/kernel/config/gpio-aggregator
AGG_DRV=/sys/bus/platform/drivers/gpio-aggregator

# show CMD: print CMD as typed at a prompt, then run it.
show() {
	printf '\n$ %s\n' "$*"
	sh -c "$*"
}

# demo_fail MSG: end the demo, saying what was wrong.
demo_fail() {
	echo "demo: $*" >&2
	exit 1
}

# check CMD EXPECTED: show and run CMD, as show does; it must print exactly
# EXPECTED.
check() {
	printf '\n$ %s\n' "$1"
	out=$(sh -c "$1") || demo_fail "'$1' failed"
	printf '%s\n' "$out"
	[ "$out" = "$2" ] || demo_fail "'$1' printed '$out', expected '$2'"
}

# check_has CMD TEXT...: show and run CMD; its output must hold each TEXT
# (a line of gpioinfo or gpiodetect, as a fixed string).
check_has() {
	cmd=$1
	shift
	printf '\n$ %s\n' "$cmd"
	out=$(sh -c "$cmd") || demo_fail "'$cmd' failed"
	printf '%s\n' "$out"
	for text; do
		printf '%s\n' "$out" | grep -qF -- "$text" ||
			demo_fail "'$cmd' did not print '$text'"
	done
}

# check_lacks CMD TEXT: show and run CMD; its output must not hold TEXT.
check_lacks() {
	printf '\n$ %s\n' "$1"
	out=$(sh -c "$1") || demo_fail "'$1' failed"
	printf '%s\n' "$out"
	if printf '%s\n' "$out" | grep -qF -- "$2"; then
		demo_fail "'$1' still printed '$2'"
	fi
}

# exists PATH...: true if one of the paths exists.
exists() {
	for p in "$@"; do
		[ -e "$p" ] && return 0
	done
	return 1
}

# wait_for PATTERN: wait until a path matching the glob PATTERN exists (5 s
# at most). Give PATTERN quoted: it is expanded anew at each try, as a glob
# with no match yet is left as it is.
wait_for() {
	tries=0
	# shellcheck disable=SC2086
	until exists $1; do
		tries=$((tries + 1))
		[ "$tries" -le 500 ] || { echo "timed out waiting for $1" >&2; exit 1; }
		sleep 0.01
	done
}

# sim_chip NAME LINES: a simulated controller whose bank is labelled NAME.
sim_chip() {
	mkdir "$SIM/$1" "$SIM/$1/bank0"
	echo "$2" > "$SIM/$1/bank0/num_lines"
	echo "$1" > "$SIM/$1/bank0/label"
	echo 1 > "$SIM/$1/live"
}

# sim_line NAME OFFSET: the sysfs directory of a simulated line.
sim_line() {
	echo "/sys/devices/platform/$(cat "$SIM/$1/dev_name")/$(cat "$SIM/$1/bank0/chip_name")/sim_gpio$2"
}

echo "== Two simulated GPIO controllers, 8 lines each"
modprobe gpio-sim
sim_chip ctrl-a 8
sim_chip ctrl-b 8
check_has "gpiodetect" "[ctrl-a] (8 lines)" "[ctrl-b] (8 lines)"

echo
echo "== Aggregate lines 0 and 1 of ctrl-a and lines 6 and 2 of ctrl-b (in that order)"
show "modprobe gpio-aggregator"
show "echo 'ctrl-a 0,1 ctrl-b 6,2' > $AGG_DRV/new_device"
wait_for '/sys/bus/platform/devices/gpio-aggregator.0/gpiochip*'
check_has "gpiodetect" "[gpio-aggregator.0] (4 lines)"
check_has "gpioinfo gpio-aggregator.0" " - 4 lines:"

echo
echo "== A value set through the aggregator reaches the simulated line"
show "gpioset gpio-aggregator.0 2=1"
check "cat $(sim_line ctrl-b 6)/value" 1

echo
echo "== A value changed at the simulated line is read through the aggregator"
show "echo pull-up > $(sim_line ctrl-a 1)/pull"
check "gpioget gpio-aggregator.0 1" 1
show "echo pull-down > $(sim_line ctrl-a 1)/pull"
check "gpioget gpio-aggregator.0 1" 0

show "echo gpio-aggregator.0 > $AGG_DRV/delete_device"

echo
echo "== An aggregator built in configfs, with named lines; line 1 inverted"
show "mkdir $AGG_CFS/relays"
show "mkdir $AGG_CFS/relays/line0 $AGG_CFS/relays/line1"
show "echo ctrl-a > $AGG_CFS/relays/line0/key; echo 5 > $AGG_CFS/relays/line0/offset; echo pump > $AGG_CFS/relays/line0/name"
chip_b=$(cat "$SIM/ctrl-b/bank0/chip_name")
echo "# line1 names its chip by device name: ctrl-b is $chip_b"
show "echo $chip_b > $AGG_CFS/relays/line1/key; echo 7 > $AGG_CFS/relays/line1/offset; echo valve > $AGG_CFS/relays/line1/name; echo 1 > $AGG_CFS/relays/line1/active_low"
show "echo 1 > $AGG_CFS/relays/live"
relays=$(cat "$AGG_CFS/relays/dev_name")
check "cat $AGG_CFS/relays/dev_name" "$relays"
case $relays in
gpio-aggregator.[0-9]*) ;;
*) demo_fail "dev_name of relays is '$relays', expected gpio-aggregator.<N>" ;;
esac
check_has "gpioinfo $relays" " - 2 lines:" '"pump"' '"valve"'
echo "# valve is active-low: a logical 1 drives ctrl-b line 7 low"
show "gpioset $relays 1=1"
check "cat $(sim_line ctrl-b 7)/value" 0
show "echo 0 > $AGG_CFS/relays/live"
show "rmdir $AGG_CFS/relays/line0 $AGG_CFS/relays/line1 $AGG_CFS/relays"

echo
echo "== The devicetree 'hatch' bound to the aggregator through driver_override"
dt_sim=$(basename /sys/devices/platform/gpio-sim-dt/gpiochip*)
show "echo gpio-aggregator > /sys/bus/platform/devices/hatch/driver_override"
show "echo hatch > $AGG_DRV/bind"
check_has "gpioinfo hatch" " - 2 lines:" '"motor"' '"latch"'
echo "# 'latch' is active-low in devicetree: a logical 1 drives dt-sim line 3 low"
show "gpioset hatch 1=1"
check "cat /sys/devices/platform/gpio-sim-dt/$dt_sim/sim_gpio3/value" 0
show "echo hatch > $AGG_DRV/unbind"
echo > /sys/bus/platform/devices/hatch/driver_override

echo
echo "== Teardown"
check_lacks "gpiodetect" "[gpio-aggregator."
show "rmmod gpio-aggregator"
for c in ctrl-a ctrl-b; do
	echo 0 > "$SIM/$c/live"
	rmdir "$SIM/$c/bank0" "$SIM/$c"
done
show "rmmod gpio-sim"
