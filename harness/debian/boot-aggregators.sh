#!/bin/sh
# boot-aggregators.sh ROOT: run in Debian's kernel under qemu by
# debian-test.sh. The boot-time aggregators of gpio-aggregator-dkms, as
# installed in the Debian root ROOT (deb-root.sh), whose
# /etc/gpio-aggregators.conf debian-test.sh wrote: ROOT becomes the system
# (a chroot with this machine's /sys, /dev and /proc, a fresh /run), its
# udevd runs, and the command of its gpios-aggregators.service runs as
# systemd runs it, after what the unit wants (the driver loaded). Then the
# aggregators, their chips, names, owners and modes are checked, the one
# whose parent appears late too, and the unit's stop command.
# Prints "aggregators: ok WHAT" or "aggregators: not ok WHAT" a check, then
# "aggregators: N checks".
set -u
r=$1
n=0
sim=/sys/kernel/config/gpio-sim
unit=$r/lib/systemd/system/gpio-aggregators.service

# check WHAT CMD...: one result, CMD's success.
check() {
	what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "aggregators: ok $what"
	else
		echo "aggregators: not ok $what"
	fi
}

# in_root CMD...: CMD in ROOT, with the environment systemd gives a service.
# Everything here runs in a chroot (PID 1 is the initramfs's), and udevadm
# ignores requests made from a chroot unless SYSTEMD_IGNORE_CHROOT is set.
in_root() {
	chroot "$r" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		SYSTEMD_IGNORE_CHROOT=1 "$@"
}

# sim_chip NAME LABEL: a gpio-sim chip of 8 lines labelled LABEL.
sim_chip() {
	mkdir "$sim/$1" "$sim/$1/bank0" &&
		echo 8 > "$sim/$1/bank0/num_lines" &&
		echo "$2" > "$sim/$1/bank0/label" &&
		echo 1 > "$sim/$1/live"
}

# dev_of NAME: the device the unit made for aggregator NAME.
dev_of() {
	cat "$r/run/gpio-aggregators/$1" 2>/dev/null
}

# chip_of NAME: /dev/gpiochipN of aggregator NAME, or nothing.
chip_of() {
	for c in "/sys/bus/platform/devices/$(dev_of "$1")"/gpiochip*; do
		[ -e "$c" ] && echo "/dev/${c##*/}"
	done
}

# aggregators: how many gpio-aggregator.<N> devices there are.
aggregators() {
	set -- /sys/bus/platform/devices/gpio-aggregator.*
	if [ -e "$1" ]; then echo $#; else echo 0; fi
}

# waiting NAME: aggregator NAME has a device but no chip.
waiting() {
	d=$(dev_of "$1")
	[ -n "$d" ] && [ -e "/sys/bus/platform/devices/$d" ] && [ -z "$(chip_of "$1")" ]
}

# node_is NAME OWNER:GROUP MODE LINES: aggregator NAME has a chip of LINES
# lines, labelled with its device name, whose node udev gave OWNER:GROUP
# and MODE, and which /dev/gpio-aggregator/NAME names.
node_is() {
	c=$(chip_of "$1")
	[ -n "$c" ] || { echo "# $1: no chip (device $(dev_of "$1"))"; return 1; }
	got="$(in_root stat -c '%U:%G %a' "$c") $(readlink -f "/dev/gpio-aggregator/$1")"
	want="$2 $3 $c"
	[ "$got" = "$want" ] || { echo "# $1: $c is '$got', not '$want'"; return 1; }
	info=$(gpiodetect | grep "^${c#/dev/} ")
	[ "$info" = "${c#/dev/} [$(dev_of "$1")] ($4 lines)" ] || { echo "# $1: gpiodetect: '$info'"; return 1; }
}

for d in sys dev; do mount --rbind "/$d" "$r/$d"; done
mount -t proc proc "$r/proc"
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
modprobe gpio-sim
sim_chip early boot-early || echo "# cannot make the gpio-sim chip boot-early"
in_root /lib/systemd/systemd-udevd --daemon || echo "# udevd did not start"

# What the unit wants first: modprobe@gpio_aggregator.service's command.
in_root /sbin/modprobe -abq gpio_aggregator
before=$(aggregators)
start=$(sed -n 's/^ExecStart=//p' "$unit")
# shellcheck disable=SC2086 # systemd splits the command at white space
in_root $start > "$TMPDIR/unit.out" 2> "$TMPDIR/unit.err"
rc=$?
sed 's/^/# stdout: /' "$TMPDIR/unit.out"
sed 's/^/# stderr: /' "$TMPDIR/unit.err"
in_root udevadm settle

check "the unit's command ($start) exits with 1 when an entry fails" [ "$rc" = 1 ]
check "it reports the entry the driver refuses in the journal" \
	grep -q "^gpio-aggregators: /etc/gpio-aggregators.conf:4: bad_line: new_device refused 'boot-early 1-': Invalid argument" "$TMPDIR/unit.err"
check "it reports the entry of an unknown user in the journal" \
	grep -qx "gpio-aggregators: /etc/gpio-aggregators.conf:5: bad_user: no user 'nosuchuser'" "$TMPDIR/unit.err"
check "it reports nothing else" [ "$(wc -l < "$TMPDIR/unit.err")" = 2 ]
check "early_a: chip of 2 lines, daemon:dialout 660, /dev/gpio-aggregator/early_a" \
	node_is early_a daemon:dialout 660 2
check "early_b: chip of 1 line, lp:lp 600, /dev/gpio-aggregator/early_b" \
	node_is early_b lp:lp 600 1
check "late: device made, no chip while its parent is missing" \
	waiting late
check "the entries that failed left no device" \
	[ "$(aggregators)" = $((before + 3)) ]

# The parent of "late" probes now.
sim_chip late boot-late || echo "# cannot make the gpio-sim chip boot-late"
in_root udevadm wait --timeout=30 /dev/gpio-aggregator/late || echo "# no /dev/gpio-aggregator/late after 30 s"
check "late: once its parent probed, chip of 2 lines, daemon:daemon 640, /dev/gpio-aggregator/late" \
	node_is late daemon:daemon 640 2

stop=$(sed -n 's/^ExecStop=//p' "$unit")
# restarts N: stop and start the unit N times; after each start, all three
# chips have their owner, mode and link. When the service still wrote udev
# rules and made udev reload them (until 2026-12-05), the two chips there
# at start missed theirs at one start in 25.
restarts() {
	i=0
	while [ "$i" -lt "$1" ]; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		in_root $stop > /dev/null 2>&1
		# shellcheck disable=SC2086
		in_root $start > /dev/null 2>&1
		if ! { node_is early_a daemon:dialout 660 2 && node_is early_b lp:lp 600 1 &&
			node_is late daemon:daemon 640 2; }; then
			echo "# at start $i"
			return 1
		fi
	done
}
check "started again 10 times: each time the three chips have their owner, mode and link" \
	restarts 10

devs="$(dev_of early_a) $(dev_of early_b) $(dev_of late)"
# shellcheck disable=SC2086
check "the unit's stop command ($stop) succeeds" in_root $stop
gone=yes
for d in $devs; do
	[ ! -e "/sys/bus/platform/devices/$d" ] || gone="$d stays"
done
check "it deletes the aggregators it made ($devs) and what it wrote for udev" \
	sh -c "[ $(echo "$devs" | wc -w) = 3 ] && [ '$gone' = yes ] && ! ls $r/run/gpio-aggregators/udev/* 2>/dev/null"

in_root udevadm control --exit
for c in late early; do
	echo 0 > "$sim/$c/live" && rmdir "$sim/$c/bank0" "$sim/$c"
done
echo "aggregators: $n checks"
