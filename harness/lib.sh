# shellcheck shell=sh disable=SC2034 # its variables are for the scripts that source it
# Shared settings for the harness scripts. Sourced, never run on its own.
#
# Everything the harness produces lives under $OUT (default: out/ at the top
# of the repo), which git ignores:
#   out/src/linux        the base tree with our files overlaid
#   out/src/pristine     untouched copies of the base files we splice into
#   out/build/<flavour>  kernel build directories (test, debug, kunit)
#   out/staging/<flavour> modules_install output, mounted at /lib/modules
#   out/logs             every log the harness writes

set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=$TOP/harness
OUT=${OUT:-$TOP/out}
SRC=$OUT/src/linux
PRISTINE=$OUT/src/pristine
LOGS=$OUT/logs
BASE_TARBALL=/usr/src/linux-source-6.12.tar.xz
BASE_PACKAGE=linux-source-6.12

# Directories of the repo that mirror kernel paths: the product.
PRODUCT_DIRS="drivers include Documentation tools MAINTAINERS"

mkdir -p "$LOGS"

# ccache: paths under out/ are hashed relative to it, so that a clone of
# the repo at another path (CI's) reuses what this one compiled.
CCACHE_BASEDIR=$OUT
CCACHE_NOHASHDIR=1
export CCACHE_BASEDIR CCACHE_NOHASHDIR

# say MSG: one progress line on stderr, prefixed so it stands out in make output.
say() {
	printf '>>> %s\n' "$*" >&2
}

# die MSG: report a failure and where to look, then exit non-zero.
die() {
	printf '*** %s\n' "$*" >&2
	exit 1
}

# base_version: the exact version of the base source package in use.
base_version() {
	dpkg-query -W -f='${Version}' "$BASE_PACKAGE" 2>/dev/null
}

# flavour_dir FLAVOUR: the build directory of a kernel flavour.
flavour_dir() {
	echo "$OUT/build/$1"
}

# kernel_release FLAVOUR: the release string of a built kernel flavour.
kernel_release() {
	cat "$(flavour_dir "$1")/include/config/kernel.release"
}

# shared_files: the base files that we splice our part into (splice.rules).
shared_files() {
	grep -v '^#' "$HARNESS/splice.rules" | awk 'NF { print $1 }'
}

# our_files: every file of the product (the directories above), tracked or
# untracked but not ignored, one a line. Fails, saying why, when git fails
# (not a git checkout; "dubious ownership" when root works in a clone owned
# by another user) or finds no file: an empty list would silently overlay
# and check nothing.
our_files() {
	# shellcheck disable=SC2086
	list=$(cd "$TOP" && git ls-files --cached --others --exclude-standard -- $PRODUCT_DIRS) ||
		die "git ls-files failed in $TOP: the harness needs a git checkout (if git refused it for dubious ownership: git config --global --add safe.directory $TOP)"
	[ -n "$list" ] || die "git ls-files found none of our files in $TOP ($PRODUCT_DIRS)"
	printf '%s\n' "$list"
}

# use_out_tmpdir: a TMPDIR under out/ for what runs a UML kernel (it keeps
# its memory in a file there) and for kunit.py, so that a small or noexec
# /dev/shm (containers) does not stop a boot.
use_out_tmpdir() {
	TMPDIR=$OUT/tmp
	mkdir -p "$TMPDIR"
	export TMPDIR
}

# flavour_of_debug: the flavour selected by DEBUG=1 (debug) or not (test).
flavour_of_debug() {
	if [ "${DEBUG:-0}" = 1 ]; then echo debug; else echo test; fi
}

# run_logged LOG WHAT CMD...: run CMD with all its output in LOG, showing a
# progress line every 30 seconds; return CMD's exit status. On failure, show
# the end of LOG and say where the whole of it is.
run_logged() {
	log=$1 what=$2
	shift 2
	say "$what (log: $log)"
	"$@" > "$log" 2>&1 &
	pid=$!
	# Progress for the long steps: every 30 s, how far the log has grown.
	ticks=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		ticks=$((ticks + 1))
		[ $((ticks % 30)) != 0 ] ||
			say "  ... ${ticks}s, $(wc -l < "$log") lines of output so far"
	done
	# The shell keeps the status of its last background job until waited.
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 30 "$log" >&2
		printf '*** %s failed (exit %s); whole log: %s\n' "$what" "$rc" "$log" >&2
	fi
	return "$rc"
}

# Test results. Each step records one line per test in out/logs/results/:
# "ok NAME", "not ok NAME" or "skip NAME"; test.sh adds them up.
RESULTS=$LOGS/results

# record FILE STATUS NAME: record one result ("ok", "not ok" or "skip").
record() {
	mkdir -p "$RESULTS"
	printf '%s %s\n' "$2" "$3" >> "$RESULTS/$1"
}

# ktap_results FILE PREFIX KTAP_LOG: record the top-level results of a KTAP log.
ktap_results() {
	sed -n 's/^\(not ok\|ok\) [0-9]* *\(.*\)$/\1 \2/p' "$3" | while read -r line; do
		case $line in
		*"# SKIP"*) record "$1" skip "$2: ${line#ok }" ;;
		"not ok "*) record "$1" "not ok" "$2: ${line#not ok }" ;;
		*) record "$1" ok "$2: ${line#ok }" ;;
		esac
	done
}

# kmemleak_result NAME LOG: record, in the results of step NAME, the scan
# that guest/kmemleak.sh printed in LOG; its lines are kept in
# out/logs/kmemleak-NAME.log.
kmemleak_result() {
	klog=$LOGS/kmemleak-$1.log
	grep -a '^kmemleak' -A 1000 "$2" | grep -v '^ok \|^not ok ' > "$klog" || true
	if grep -q '^kmemleak: no leaks$' "$klog"; then
		record "$1" ok "$1: kmemleak scan is empty"
	else
		record "$1" "not ok" "$1: kmemleak scan (see $klog)"
	fi
}

# coverage_dir STEP: a new empty directory out/coverage/STEP, where the
# debug kernel saves the gcov counters of gpio-aggregator.o in a run of STEP
# (guest/gcov.sh) for coverage.sh.
coverage_dir() {
	rm -rf "$OUT/coverage/$1"
	mkdir -p "$OUT/coverage/$1"
	echo "$OUT/coverage/$1"
}

# run_tee LOG CMD...: run CMD showing its output and keeping it in LOG;
# returns CMD's exit status.
run_tee() {
	log=$1
	shift
	status=$LOGS/.status.$$
	rm -f "$status"
	# "|| rc=$?": under set -e a bare failing command would end the group
	# before it wrote the status.
	{ rc=0; "$@" || rc=$?; echo "$rc" > "$status"; } 2>&1 | tee "$log"
	rc=$(cat "$status" 2>/dev/null || echo 1)
	rm -f "$status"
	return "$rc"
}

# boot_outcome CONSOLE RUNDIR TIMEOUT: after a test kernel (UML, or Debian's
# under qemu) stopped, exit with its command's status, kept in
# RUNDIR/status; with 125 when the kernel failed rather than the command:
# a splat in CONSOLE, or no status (a crash, or TIMEOUT seconds ran out).
boot_outcome() {
	if ! sh "$HARNESS/splats.sh" "$1"; then
		say "kernel splat during the run; console log: $1"
		exit 125
	fi
	if [ ! -f "$2/status" ]; then
		say "the kernel stopped before the command finished (crash or ${3}s timeout); console log: $1"
		exit 125
	fi
	exit "$(cat "$2/status")"
}
