#!/bin/sh
# Boot the test kernel (User-Mode Linux) and run a command inside it.
#   boot.sh 'CMD'     run CMD with /bin/sh inside; exit with its status
#   boot.sh --shell   an interactive shell instead
# The host root is mounted read-only, so host paths are the same inside and
# any script at an absolute host path can be run. The command's output goes
# to stdout; kernel messages go to the console log, which is searched for
# splats afterwards: any splat fails the run, whatever the command returned.
#
# Exit status: the command's, or 125 when the kernel failed (a splat, a
# crash, the time limit).
#
# Environment: DEBUG=1 boots the debug kernel; TIMEOUT (seconds, default
# 1800) stops a hung kernel; CONSOLE_LOG names the console log (default
# out/logs/console-<flavour>.log).
. "$(dirname "$0")/lib.sh"

flavour=$(flavour_of_debug)
dir=$(flavour_dir "$flavour")
[ -x "$dir/linux" ] || die "no $flavour kernel yet: run 'make build' (DEBUG=1 for debug)"
console=${CONSOLE_LOG:-$LOGS/console-$flavour.log}
timeout=${TIMEOUT:-1800}

# The modules are mounted over /lib/modules inside, which needs the
# directory on the host (a minimal system may not have one).
[ -d /lib/modules ] || mkdir -p /lib/modules ||
	die "cannot create /lib/modules on the host (needed as a mount point)"
use_out_tmpdir
mkdir -p "$OUT/run"
rundir=$(mktemp -d "$OUT/run/boot.XXXXXX")
trap 'rm -rf "$rundir"' EXIT
pwd > "$rundir/cwd"
echo "$OUT/staging/$flavour/lib/modules" > "$rundir/modules"
if [ "${1:-}" = --shell ]; then
	touch "$rundir/interactive"
	con0=fd:0,fd:1
else
	printf '%s\n' "$*" > "$rundir/cmd"
	con0=null,fd:1
fi

dtb=
[ -f "$OUT/build/dtb/test.dtb" ] && dtb="dtb=$OUT/build/dtb/test.dtb"

# con0 is the command's terminal; ttyS0, the kernel console, goes to fd 3.
# shellcheck disable=SC2086
timeout -k 10 "$timeout" "$dir/linux" mem=1G \
	root=/dev/root rootfstype=hostfs rootflags=/ ro \
	init="$HARNESS/init.sh" harness.run="$rundir" $dtb \
	con=null con0=$con0 ssl=null ssl0=fd:3 console=ttyS0 \
	3> "$console" 2>&3 || true

# A failure of the kernel rather than of the command exits with 125.
boot_outcome "$console" "$rundir" "$timeout"
