#!/bin/sh
# Static checks on every file we own, each recorded as one result:
#   checkpatch.pl --strict    every product file
#   W=1 build                 every kernel C file, in a build that enables it
#   sparse (C=2)              the same C files
#   clang W=1                 the same C files, in an x86_64 LLVM=1 build
#   kernel-doc -Wall          every kernel C file and header
#   cc -Wall -Wextra          every userspace C file (the selftests' helpers)
#   coccicheck                the kernel's coccinelle scripts (make
#                             coccicheck MODE=report) on our kernel C files
#   every shell script        shellcheck, the harness's scripts included
#   htmldocs                  the admin guide, rendered by the kernel's
#                             make htmldocs SPHINXDIRS=admin-guide/gpio
#   guide log lines           every log line of gpio-aggregator.c is in the
#                             guide's troubleshooting tables
# A check fails on any output, and also when its tool is missing, when make
# fails, or when make's output does not show the file compiled or checked;
# the step fails when git lists none of our files.
# Needs the test kernel built (make build) and, for the KUnit test file,
# the KUnit build (make kunit); makes the x86_64 clang build in
# out/build/clang itself.
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

# um_make DIR ARGS...: make in the UML build DIR.
um_make() {
	dir=$1
	shift
	make -C "$SRC" ARCH=um O="$dir" CC="ccache gcc" "$@"
}

# clang_make DIR ARGS...: make in the x86_64 clang build DIR.
clang_make() {
	dir=$1
	shift
	sh "$HARNESS/x86-build.sh" "$SRC" "$dir" clang "$@"
}

# compile_with MAKE DIR OBJ DONE FLAGS...: rebuild OBJ in DIR with MAKE
# (um_make or clang_make) and show the warnings and errors about our files.
# Fails when make fails, or when make's output lacks the line DONE (an
# extended regex) that shows the file was compiled or checked.
compile_with() {
	maker=$1 dir=$2 obj=$3 done=$4
	shift 4
	rm -f "$dir/$obj"
	rc=0
	out=$("$maker" "$dir" "$@" "$obj" 2>&1) || rc=$?
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
	compile_with um_make "$dir" "$1" "^ +CC( \[M\])? +$(regex "$1")\$" W=1
}

# clang_w1 OBJ: build OBJ with clang and W=1 in an x86_64 defconfig build
# with our options (kconfig/x86_64.config).
clang_w1() {
	for tool in clang ld.lld llvm-ar llvm-nm llvm-objcopy; do
		need "$tool" || return 1
	done
	compile_with clang_make "$OUT/build/clang" "$1" "^ +CC( \[M\])? +$(regex "$1")\$" W=1
}

sparse_check() {
	need sparse || return 1
	dir=$(build_dir_for "$1")
	[ -n "$dir" ] || { echo "no build enables $1"; return 1; }
	# With O=, kbuild names the source by its path in the source tree.
	compile_with um_make "$dir" "$1" "^ +CHECK +(.*/)?$(regex "${1%.o}.c")\$" C=2 CHECK=sparse
}

# userspace_cc FILE: compile a userspace helper with warnings as the
# selftests' Makefile does, and more.
userspace_cc() {
	need cc || return 1
	cc -O2 -Wall -Wextra -fsyntax-only "$SRC/$1"
}

# coccicheck FILE...: make coccicheck MODE=report, which runs every
# semantic patch of scripts/coccinelle, on a directory holding only our
# kernel C files and their local headers (M= takes a directory), so that
# no other driver's findings show. Prints the findings; fails when make
# fails or when not every semantic patch ran.
coccicheck() {
	need spatch || return 1
	copy=$OUT/cocci/drivers/gpio
	rm -rf "$copy"
	mkdir -p "$copy"
	for f in "$@"; do
		cp "$TOP/$f" "$copy/"
	done
	cp "$TOP"/drivers/gpio/*.h "$copy/"
	rc=0
	out=$(make -C "$SRC" ARCH=um O="$(flavour_dir test)" coccicheck MODE=report \
		M="$copy" J="$(nproc)" 2>&1) || rc=$?
	if [ "$rc" != 0 ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "make coccicheck failed (exit $rc)"
		return 1
	fi
	want=$(find "$SRC/scripts/coccinelle" -name '*.cocci' | wc -l)
	ran=$(printf '%s\n' "$out" | grep -c -- '--cocci-file ' || true)
	if [ "$ran" != "$want" ]; then
		echo "coccicheck ran $ran of the $want semantic patches"
		return 1
	fi
	printf '%s\n' "$out" | grep -F "$copy/" || true
}

# shell_check FILE: shellcheck, following the files FILE sources; the
# selftests are checked in the base tree, next to the kselftest helpers
# they source.
shell_check() {
	need shellcheck || return 1
	case $1 in
	tools/*) file=$SRC/$1 ;;
	*) file=$TOP/$1 ;;
	esac
	shellcheck -x -P SCRIPTDIR -f gcc "$file"
}

kerneldoc() {
	need perl || return 1
	(cd "$SRC" && scripts/kernel-doc -none -Wall -Werror "$1")
}

# htmldocs: render admin-guide/gpio with the kernel's Sphinx setup, reading
# every file again (-E: a warning of an unchanged file is not repeated from
# a saved environment), and show every warning and error but two kinds that
# are not about the guide: graphviz missing (no graph in these pages), and
# toctree links out of admin-guide/gpio, which SPHINXDIRS leaves out.
htmldocs() {
	need sphinx-build || return 1
	dir=$OUT/build/htmldocs
	html=$dir/Documentation/output/admin-guide/gpio/gpio-aggregator.html
	rm -f "$html"
	mkdir -p "$dir"
	rc=0
	out=$(make -C "$SRC" O="$dir" htmldocs SPHINXDIRS=admin-guide/gpio \
		SPHINXOPTS='-q -E' 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -E 'WARNING|ERROR|SEVERE|CRITICAL' |
		grep -v -e 'WARNING: dot(1) not found' \
			-e "WARNING: toctree contains reference to nonexisting document '[^']*/" |
		grep -v "WARNING: toctree contains reference to nonexisting document 'admin-guide/gpio/" |
		grep . && rc=1
	[ "$rc" = 0 ] || { printf '%s\n' "$out" | tail -n 20; return 1; }
	[ -s "$html" ] || { echo "make htmldocs wrote no $html"; return 1; }
}

# guide_log_lines: every message that gpio-aggregator.c logs (pr_*, dev_*
# but dev_dbg, dev_err_probe), and every reason it fills in (the strings
# returned as "why"), appears in the guide: in a table of its section
# "Troubleshooting", with <...> where the format has a conversion.
guide_log_lines() {
	need perl || return 1
	perl -e '
		local $/;
		open(my $c, "<", $ARGV[0]) or die "$ARGV[0]: $!\n";
		my $src = <$c>;
		open(my $d, "<", $ARGV[1]) or die "$ARGV[1]: $!\n";
		my $doc = <$d>;
		$doc =~ s/.*\nTroubleshooting\n-+\n//s or die "no Troubleshooting section in $ARGV[1]\n";
		$doc =~ s/\s+/ /g;
		my @msgs;
		while ($src =~ /\b(?:pr_(?:err|warn|notice|info)|dev_(?:err|warn|notice|info)|dev_err_probe)\s*\(.*?((?:"(?:[^"\\]|\\.)*"\s*)+)/sg) {
			push @msgs, $1;
		}
		while ($src =~ /return\s+("(?:[^"\\]|\\.)*")\s*;/g) {
			push @msgs, $1;
		}
		@msgs or die "no log line found in $ARGV[0]\n";
		for my $lit (@msgs) {
			my $fmt = join("", $lit =~ /"((?:[^"\\]|\\.)*)"/g);
			$fmt =~ s/\\n$//;
			my $re = join(".+", map { quotemeta } split(/%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlzt]*[a-zA-Z]/, $fmt, -1));
			print "not in the guide'"'"'s Troubleshooting tables: \"$fmt\"\n"
				unless $doc =~ /$re/;
		}
	' "$TOP/drivers/gpio/gpio-aggregator.c" \
		"$TOP/Documentation/admin-guide/gpio/gpio-aggregator.rst"
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
		check "clang W=1 build $f" clang_w1 "${f%.c}.o"
		check "kernel-doc $f" kerneldoc "$f" ;;
	*.h)
		check "kernel-doc $f" kerneldoc "$f" ;;
	esac
done

kernel_c=$(printf '%s\n' "$files" | grep '^drivers/.*[.]c$' | tr '\n' ' ')
# shellcheck disable=SC2086 # a list of paths without spaces
check "coccicheck ${kernel_c% }" coccicheck $kernel_c

# Our shell scripts: the harness's, CI's and the product's.
for f in $( (cd "$TOP" && git ls-files --cached --others --exclude-standard) |
		grep -E '([.]sh|^[.]ci/run|^harness/debian/init|^tools/gpio/gpio-aggregators)$'); do
	check "shellcheck $f" shell_check "$f"
done

check "htmldocs admin-guide/gpio (Documentation/admin-guide/gpio/gpio-aggregator.rst)" htmldocs
check "guide lists every log line of drivers/gpio/gpio-aggregator.c" guide_log_lines

if grep -q '^not ok' "$RESULTS/check"; then
	grep '^not ok' "$RESULTS/check" >&2
	die "static checks failed; details: $log"
fi
[ -s "$RESULTS/check" ] || die "static checks: no check ran (log: $log)"
say "static checks: $(grep -c '' "$RESULTS/check") passed"
