#!/bin/sh
# The debian-kernel step of make test: our module on Debian's own 6.12
# kernel, which has no GPIO aggregator (nor gpio-sim).
#   1. build gpio-aggregator.ko against Debian's 6.12.113 headers, older
#      than the base tree (no set_rv in struct gpio_chip);
#   2. dkms install it for Debian's kernel to boot (debian-kernel.sh),
#      with private DKMS trees under out/ (nothing of the host's
#      /lib/modules nor /var/lib/dkms is touched);
#   3. build the test-only parent lines: gpio-sim and irq_sim of the base
#      tree as out-of-tree modules (harness/debian/Kbuild);
#   4. boot Debian's kernel under qemu (debian-boot.sh), check that the
#      gpio-aggregator modprobe loads is the one DKMS built, and run the
#      selftests' groups (or cases) $DEBIAN_GROUPS in it.
# Each result goes to out/logs/results/debian-kernel.
. "$(dirname "$0")/lib.sh"

name=debian-kernel
DEBIAN_GROUPS=${DEBIAN_GROUPS:-sysfs configfs forward}
mkdir -p "$RESULTS"
: > "$RESULTS/$name"

# fail MSG: record a failed result, MSG, and stop.
fail() {
	record "$name" "not ok" "$name: $1"
	exit 1
}

old=$(sh "$HARNESS/debian-kernel.sh" old) || fail "fetching Debian's older 6.12 headers (see $LOGS/debian-kernel-download.log)"
root=$(sh "$HARNESS/debian-kernel.sh" boot) || fail "fetching Debian's 6.12 kernel (see $LOGS/debian-kernel-download.log)"
dir=$(dirname "$root")
release=$(ls "$root/lib/modules")
headers=$root/usr/src/linux-headers-$release

# 1. The older headers.
old_release=$(ls "$old/lib/modules")
if sh "$HARNESS/module.sh" "$old/usr/src/linux-headers-$old_release" > /dev/null; then
	record "$name" ok "$name: module builds against the $old_release headers (no set_rv)"
else
	record "$name" "not ok" "$name: module builds against the $old_release headers (see $LOGS/module-$old_release.log)"
fi

# 2. DKMS, into a small module tree of the kernel to boot: Debian's
# configfs and what is installed here (depmod over all of Debian's modules
# takes 12 s).
mods=$dir/modules/lib/modules/$release
rm -rf "$dir/modules" "$dir/dkms"
mkdir -p "$mods/kernel/fs/configfs" "$dir/dkms/tree" "$dir/dkms/src"
cp "$root/lib/modules/$release"/modules.builtin* "$root/lib/modules/$release/modules.order" "$mods/"
cp "$root/lib/modules/$release/kernel/fs/configfs/configfs.ko.xz" "$mods/kernel/fs/configfs/"
src=$dir/dkms/src/gpio-aggregator
sh "$TOP/dkms/source.sh" "$src"
dlog=$LOGS/dkms-$release.log
if DEBIAN_KERNEL_USE_CCACHE=1 run_logged "$dlog" "dkms install of gpio-aggregator for $release" \
	dkms install --dkmstree "$dir/dkms/tree" --sourcetree "$dir/dkms/src" \
		--installtree "$dir/modules/lib/modules" --kernelsourcedir "$headers" \
		-k "$release" --no-depmod "$src" &&
	ko=$(find "$mods/updates" -name 'gpio-aggregator.ko*') && [ -n "$ko" ]; then
	record "$name" ok "$name: dkms install for $release"
else
	fail "dkms install for $release (see $dlog)"
fi

# 3. The parent lines, from the base tree.
sim=$dir/sim
mkdir -p "$sim"
for f in "$HARNESS/debian/Kbuild" "$HARNESS/debian/irq-sim-license.c" "$HARNESS/debian/irq-sim-compat.h" \
	"$SRC/drivers/gpio/gpio-sim.c" "$SRC/kernel/irq/irq_sim.c"; do
	[ -f "$f" ] || fail "no $f (make tree)"
	ln -sfn "$f" "$sim/$(basename "$f")"
done
slog=$LOGS/debian-sim.log
DEBIAN_KERNEL_USE_CCACHE=1 run_logged "$slog" "building gpio-sim and irq_sim for $release" \
	make -C "$headers" M="$sim" modules ||
	fail "building the test-only gpio-sim and irq_sim modules (see $slog)"
mkdir -p "$mods/extra"
cp "$sim/gpio-sim.ko" "$sim/irq-sim.ko" "$mods/extra/"
depmod -b "$dir/modules" -a "$release" > "$LOGS/debian-depmod.log" 2>&1 ||
	fail "depmod of the module tree (see $LOGS/debian-depmod.log)"

# 4. The selftests' helper programs, as selftest.sh builds them.
script=$SRC/tools/testing/selftests/gpio/gpio-aggregator.sh
sdir=$(dirname "$script")
progs=
for c in "$sdir"/gpio-aggregator*.c; do
	[ -f "$c" ] && progs="$progs ${c%.c}"
done
# shellcheck disable=SC2086
make -C "$sdir" OUTPUT="$sdir" KHDR_INCLUDES= $progs > "$LOGS/selftest-programs.log" 2>&1 ||
	fail "building the selftest programs (see $LOGS/selftest-programs.log)"

# The cases: those of the groups, but those matching $DEBIAN_EXCLUDE:
# - the two of parent controllers that go away: on Debian's kernel they
#   show its gpiolib-cdev bug that
#   harness/patches/gpiolib-cdev-irq-freed-on-remove.patch fixes for the UML
#   kernels (a WARNING "Trying to free already-free IRQ" when a process
#   waiting for edges closes its request after the parent chip went away);
# - by default, the two creation-cost cases, for time: under TCG they take
#   a fifth of the step (about 55 s) to time what the UML runs time too.
DEBIAN_EXCLUDE=${DEBIAN_EXCLUDE:-_parent_goes_away\$|_creation_cost\$}
cases=$(bash "$script" -l | awk -v groups=" $DEBIAN_GROUPS " -v exclude="$DEBIAN_EXCLUDE" '
	/^[^ ].*:$/ { group = substr($0, 1, length($0) - 1); next }
	(index(groups, " " group " ") || index(groups, " " $1 " ")) &&
		$1 !~ exclude { printf "%s ", $1 }')
[ -n "$cases" ] || fail "no cases of the groups $DEBIAN_GROUPS in $script -l"

log=$LOGS/selftest-debian.log
build_id=$(readelf -n "$ko" | sed -n 's/^ *Build ID: *//p')
[ -n "$build_id" ] || fail "no build ID in $ko"
say "selftests ($DEBIAN_GROUPS) on Debian's $release under qemu (log: $log)"
rc=0
CONSOLE_LOG=$LOGS/console-debian.log run_tee "$log" sh "$HARNESS/debian-boot.sh" "
echo \"kernel: \$(uname -r)\"
modprobe gpio-aggregator &&
	echo \"loaded: \$(od -An -tx1 /sys/module/gpio_aggregator/notes/.note.gnu.build-id | tr -d ' \\n') \$(modinfo -F filename gpio-aggregator)\" &&
	rmmod gpio-aggregator
$script $cases" || rc=$?

if grep -q "^kernel: $release\$" "$log" && grep -q "^loaded: [0-9a-f]*$build_id .*/updates/dkms/" "$log"; then
	record "$name" ok "$name: $release loads the gpio-aggregator.ko DKMS installed"
else
	record "$name" "not ok" "$name: $release loads the gpio-aggregator.ko DKMS installed (build ID $build_id; see $log)"
fi
ktap_results "$name" "$name" "$log"
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
ran=$(grep -c '^\(not \)\{0,1\}ok ' "$log" || true)
if [ -z "$planned" ] || [ "$planned" != "$ran" ]; then
	record "$name" "not ok" "$name: planned ${planned:-no} cases, ran $ran"
fi
[ "$rc" != 125 ] ||
	record "$name" "not ok" "$name: the kernel failed: splat, crash or timeout (see $LOGS/console-debian.log)"
! grep -q '^not ok\|^skip' "$RESULTS/$name" || { say "the $name step failed; log: $log"; exit 1; }
[ "$rc" = 0 ] || { say "selftests on Debian's kernel failed (exit $rc); log: $log"; exit 1; }
