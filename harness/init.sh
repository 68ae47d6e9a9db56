#!/bin/sh
# PID 1 of the test kernel. The host root is mounted read-only through
# hostfs, so this script and every host program run as they are.
#
# boot.sh passes harness.run=<dir>: a host directory holding the command to
# run (cmd), the directory to run it in (cwd) and the modules dir (modules).
# The directory is mounted read-write at /run/harness; the command's exit
# status is written to its status file. Then the kernel powers off.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

mount -n -t proc proc /proc
mount -n -t sysfs sysfs /sys
mountpoint -q /dev || mount -n -t devtmpfs devtmpfs /dev
# Writable scratch space. Not /tmp: a tmpfs there would hide the host's
# /tmp, where a clone of this repo may live.
mount -n -t tmpfs -o mode=0755 tmpfs /run
mount -n -t configfs configfs /sys/kernel/config
mount -n -t debugfs debugfs /sys/kernel/debug
mkdir -p /run/tmp /run/harness /dev/pts
mount -n -t devpts devpts /dev/pts

rundir=
read -r cmdline < /proc/cmdline
for arg in $cmdline; do
	case $arg in
	harness.run=*) rundir=${arg#harness.run=} ;;
	esac
done

mount -n -t hostfs -o "$rundir" none /run/harness
mount -n -t hostfs -o "$(cat /run/harness/modules)" none /lib/modules

export TMPDIR=/run/tmp HOME=/run/tmp TERM="${TERM:-linux}"
cd "$(cat /run/harness/cwd)" || cd /

# The command's terminal is con0 (the host's stdin/stdout); kernel messages
# go to ttyS0 (the console log), so the two do not mix.
if [ -e /run/harness/interactive ]; then
	setsid -c /bin/bash -i < /dev/tty0 > /dev/tty0 2>&1
else
	# Plain newlines, as a program's output has on the host, not CR LF.
	stty -onlcr < /dev/tty0
	/bin/sh /run/harness/cmd < /dev/null > /dev/tty0 2>&1
fi
echo $? > /run/harness/status

sync
busybox poweroff -f
