#!/bin/sh
# Static checks on every file we own, each recorded as one result:
#   checkpatch.pl --strict    every product file
#   W=1 build                 every kernel C file, in a build that enables it
#   sparse (C=2)              the same C files
#   kernel-doc -Wall          every kernel C file and header
#   cc -Wall -Wextra          every userspace C file (the selftests' helpers)
# A check fails on any output, and also when its tool is missing, when make
# fails, or when make's output does not show the file compiled or checked;
# the step fails when git lists none of our files.
# Needs the test kernel built (make build) and, for the KUnit test file,
# the KUnit build (make kunit).
. "$(dirname "$0")/lib.sh"

rm -f "$RESULTS/check"
mkdir -p "$RESULTS"
log=$LOGS/check.log
: > "$log"

# check NAME CMD...: run CMD; it passes only if it exits 0 with no output
# (the output goes to check.log). Each CMD below exits non-zero when its
# tool is missing or fails, and when it did not check the file.
check() {
	name=$1
	shift
	rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ] || [ -n "$out" ]; then
		printf '=== %s (exit %s)\n%s\n' "$name" "$rc" "$out" >> "$log"
		record check "not ok" "$name"
	else
		record check ok "$name"
	fi
}

shared=$(shared_files)
is_shared() {
	echo "$shared" | grep -qxF "$1"
}

# need TOOL: fail, saying so, when TOOL is not on PATH.
need() {
	command -v "$1" > /dev/null || { echo "$1: not found in PATH ('make deps' installs it)"; return 1; }
}

checkpatch() {
	need perl || return 1
	rc=0
	if is_shared "$1"; then
		# Our part alone, as it stands in the repo; its license line is
		# the one of the base file it is spliced into.
		out=$(cd "$TOP" && "$SRC/scripts/checkpatch.pl" --no-tree --strict --terse \
			--no-summary --show-types --ignore SPDX_LICENSE_TAG -f "$1" 2>&1) || rc=$?
	else
		out=$(cd "$SRC" && scripts/checkpatch.pl --strict --terse --no-summary \
			--show-types -f "$1" 2>&1) || rc=$?
	fi
	printf '%s\n' "$out" | grep -v '^total: 0 errors, 0 warnings' | grep . || true
	return "$rc"
}

# build_dir_for OBJ: a build directory whose config builds OBJ.
build_dir_for() {
	for flavour in test kunit; do
		dir=$(flavour_dir "$flavour")
		if [ -f "$dir/$(dirname "$1")/.$(basename "$1").cmd" ]; then
			echo "$dir"
			return
		fi
	done
}

# compile_with DIR OBJ DONE FLAGS...: rebuild OBJ in DIR and show the
# warnings and errors about our files. Fails when make fails, or when make's
# output lacks the line DONE (an extended regex) that shows the file was
# compiled or checked.
compile_with() {
	dir=$1 obj=$2 done=$3
	shift 3
	rm -f "$dir/$obj"
	rc=0
	out=$(make -C "$SRC" ARCH=um O="$dir" CC="ccache gcc" "$@" "$obj" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "make $* $obj failed (exit $rc)"
		return 1
	fi
	if ! printf '%s\n' "$out" | grep -qE "$done"; then
		printf '%s\n' "$out" | tail -n 20
		echo "make $* $obj did not do it: no line matching '$done'"
		return 1
	fi
	printf '%s\n' "$out" | grep -E '(warning|error):' |
		grep -E 'gpio-aggregator|gpio/forwarder' || true
}

# regex OBJ: OBJ with its dots escaped, for compile_with's DONE.
regex() {
	printf '%s' "$1" | sed 's/[.]/[.]/g'
}

w1() {
	need gcc || return 1
	dir=$(build_dir_for "$1")
	[ -n "$dir" ] || { echo "no build enables $1"; return 1; }
	compile_with "$dir" "$1" "^ +CC( \[M\])? +$(regex "$1")\$" W=1
}

sparse_check() {
	need sparse || return 1
	dir=$(build_dir_for "$1")
	[ -n "$dir" ] || { echo "no build enables $1"; return 1; }
	# With O=, kbuild names the source by its path in the source tree.
	compile_with "$dir" "$1" "^ +CHECK +(.*/)?$(regex "${1%.o}.c")\$" C=2 CHECK=sparse
}

# userspace_cc FILE: compile a userspace helper with warnings as the
# selftests' Makefile does, and more.
userspace_cc() {
	need cc || return 1
	cc -O2 -Wall -Wextra -fsyntax-only "$SRC/$1"
}

kerneldoc() {
	need perl || return 1
	(cd "$SRC" && scripts/kernel-doc -none -Wall -Werror "$1")
}

cd "$TOP"
files=$(our_files)
for f in $files; do
	check "checkpatch --strict $f" checkpatch "$f"
done
for f in $files; do
	case $f in
	tools/*.c)
		check "cc -Wall -Wextra $f" userspace_cc "$f" ;;
	*.c)
		check "W=1 build $f" w1 "${f%.c}.o"
		check "sparse $f" sparse_check "${f%.c}.o"
		check "kernel-doc $f" kerneldoc "$f" ;;
	*.h)
		check "kernel-doc $f" kerneldoc "$f" ;;
	esac
done

if grep -q '^not ok' "$RESULTS/check"; then
	grep '^not ok' "$RESULTS/check" >&2
	die "static checks failed; details: $log"
fi
[ -s "$RESULTS/check" ] || die "static checks: no check ran (log: $log)"
say "static checks: $(grep -c '' "$RESULTS/check") passed"
