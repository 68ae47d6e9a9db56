#!/bin/sh
# The patch series of `make patches`, taken as a maintainer takes it:
#   - unpack a fresh base tree from Debian's tarball into out/series/src;
#   - write the series (series.sh) into out/series/patches;
#   - apply the patches one by one with git am; each must be checkpatch
#     --strict clean and build on its own: drivers/gpio/ of an x86_64
#     defconfig with our options (kconfig/x86_64.config), warning-free;
#   - after the last patch, each file the series touches must be the file
#     that the test kernel (the UML kernel of the selftests) was built
#     from, so that build is the build of the series' result.
# One result a check in out/logs/results/series. Needs `make tree`.
. "$(dirname "$0")/lib.sh"

name=series
rm -f "$RESULTS/$name"
mkdir -p "$RESULTS"
log=$LOGS/series-test.log
: > "$log"
patches=$OUT/series/patches
tree=$OUT/series/src/linux
build=$OUT/series/build/x86_64

# fail MSG: record MSG as failed and stop.
fail() {
	record "$name" "not ok" "$1 (see $log)"
	exit 1
}

# logged MSG CMD...: run CMD with its output in the log; fail with MSG.
logged() {
	msg=$1
	shift
	printf '=== %s\n' "$*" >> "$log"
	"$@" >> "$log" 2>&1 || fail "$msg"
}

say "series: unpacking a fresh base tree (log: $log)"
rm -rf "$OUT/series/src"
mkdir -p "$OUT/series/src"
logged "series: unpacking $BASE_TARBALL" tar -xJf "$BASE_TARBALL" -C "$OUT/series/src"
mv "$OUT/series/src/linux-source-6.12" "$tree"

logged "series: make patches" env PATCH_DIR="$patches" BASE_TREE="$tree" sh "$HARNESS/series.sh"
set -- "$patches"/0*.patch
shift # the cover letter
[ $# -gt 0 ] || fail "series: make patches wrote no patch"
record "$name" ok "series: make patches wrote a cover letter and $# patches"

# git tracks the base files the series changes, which is all git am needs
# (adding the whole tree to git would take longer than the builds), and
# LICENSES/, which checkpatch's SPDX check reads from git.
touched=$(sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$@" | sort -u)
(
	cd "$tree" &&
	git init -q -b base &&
	git add -f LICENSES &&
	for f in $touched; do
		[ ! -f "$f" ] || git add -f "$f"
	done &&
	git -c user.name=harness -c user.email=harness@localhost commit -q -m "base tree"
) >> "$log" 2>&1 || fail "series: a git repository of the base files"

for p in "$@"; do
	patch=$(basename "$p")
	say "series: $patch"
	logged "series: git am $patch" git -C "$tree" -c user.name=harness \
		-c user.email=harness@localhost am -q "$p"
	# In a git tree checkpatch also checks SPDX tags with spdxcheck.py, which
	# needs python3-ply and python3-git: Debian's python3 has them, and may
	# not be the first python3 on PATH (pyenv).
	out=$(cd "$tree" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict --terse \
		--show-types "$p" 2>&1) || true
	if [ -z "$out" ]; then
		record "$name" ok "series: $patch is checkpatch --strict clean"
	else
		printf '=== checkpatch %s\n%s\n' "$patch" "$out" >> "$log"
		record "$name" "not ok" "series: $patch is checkpatch --strict clean (see $log)"
	fi
	rc=0
	out=$(sh "$HARNESS/x86-build.sh" "$tree" "$build" gcc drivers/gpio/ 2>&1) || rc=$?
	printf '=== x86_64 build after %s\n%s\n' "$patch" "$out" >> "$log"
	if [ "$rc" = 0 ] && ! printf '%s\n' "$out" | grep -q 'warning:'; then
		record "$name" ok "series: drivers/gpio/ builds warning-free after $patch (x86_64 defconfig, our options)"
	else
		record "$name" "not ok" "series: drivers/gpio/ builds warning-free after $patch (see $log)"
	fi
done

# The result: each file the series touched is the test kernel's.
differ=
for f in $touched; do
	cmp -s "$tree/$f" "$SRC/$f" || differ="$differ $f"
done
if [ -z "$differ" ]; then
	record "$name" ok "series: the applied series gives the files the test kernel is built from"
else
	record "$name" "not ok" "series: after the series these differ from the test kernel's tree:$differ"
fi

# ... and the x86_64 build did build our code.
for sym in GPIO_AGGREGATOR GPIO_AGGREGATOR_KUNIT_TEST GPIO_AGGREGATOR_FWD_USER_KUNIT_TEST; do
	grep -qx "CONFIG_$sym=m" "$build/.config" ||
		record "$name" "not ok" "series: CONFIG_$sym=m in the x86_64 build (see $build/.config)"
done
for obj in gpio-aggregator.o gpio-aggregator_kunit.o gpio-aggregator-fwd-user_kunit.o; do
	[ -n "$(find "$build/drivers/gpio/$obj" -newer "$tree/drivers/gpio/${obj%.o}.c" 2> /dev/null)" ] ||
		record "$name" "not ok" "series: the x86_64 build compiled drivers/gpio/$obj from the series"
done
! grep -q '^not ok' "$RESULTS/$name" || die "series test failed; log: $log"
say "series: $(grep -c '^ok' "$RESULTS/$name") checks passed"
