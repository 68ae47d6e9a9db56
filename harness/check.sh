#!/bin/sh
# Static checks on every file we own, each recorded as one result:
#   checkpatch.pl --strict    every product file
#   W=1 build                 every kernel C file, in a build that enables it
#   sparse (C=2)              the same C files
#   kernel-doc -Wall          every kernel C file and header
#   cc -Wall -Wextra          every userspace C file (the selftests' helpers)
# Needs the test kernel built (make build) and, for the KUnit test file,
# the KUnit build (make kunit).
. "$(dirname "$0")/lib.sh"

rm -f "$RESULTS/check"
mkdir -p "$RESULTS"
log=$LOGS/check.log
: > "$log"

# check NAME CMD...: run CMD; its output (in check.log) must be empty.
check() {
	name=$1
	shift
	out=$("$@" 2>&1) || true
	if [ -n "$out" ]; then
		printf '=== %s\n%s\n' "$name" "$out" >> "$log"
		record check "not ok" "$name"
	else
		record check ok "$name"
	fi
}

shared=$(shared_files)
is_shared() {
	echo "$shared" | grep -qxF "$1"
}

checkpatch() {
	if is_shared "$1"; then
		# Our part alone, as it stands in the repo; its license line is
		# the one of the base file it is spliced into.
		(cd "$TOP" && "$SRC/scripts/checkpatch.pl" --no-tree --strict --terse \
			--no-summary --show-types --ignore SPDX_LICENSE_TAG -f "$1")
	else
		(cd "$SRC" && scripts/checkpatch.pl --strict --terse --no-summary \
			--show-types -f "$1")
	fi | grep -v '^total: 0 errors, 0 warnings' || true
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

# compile_with DIR OBJ FLAGS...: rebuild OBJ in DIR, showing only warnings
# and errors about our files.
compile_with() {
	dir=$1 obj=$2
	shift 2
	rm -f "$dir/$obj"
	make -C "$SRC" ARCH=um O="$dir" CC="ccache gcc" "$@" "$obj" 2>&1 |
		grep -E '(warning|error):' | grep -E 'gpio-aggregator|gpio/forwarder' || true
}

w1() {
	dir=$(build_dir_for "$1")
	[ -n "$dir" ] || { echo "no build enables $1"; return; }
	compile_with "$dir" "$1" W=1
}

sparse_check() {
	dir=$(build_dir_for "$1")
	[ -n "$dir" ] || { echo "no build enables $1"; return; }
	compile_with "$dir" "$1" C=2 CHECK=sparse
}

# userspace_cc FILE: compile a userspace helper with warnings as the
# selftests' Makefile does, and more.
userspace_cc() {
	cc -O2 -Wall -Wextra -fsyntax-only "$SRC/$1"
}

kerneldoc() {
	(cd "$SRC" && scripts/kernel-doc -none -Wall "$1")
}

cd "$TOP"
files=$(git ls-files --cached --others --exclude-standard -- $PRODUCT_DIRS)
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
say "static checks: $(grep -c '' "$RESULTS/check") passed"
