#!/bin/sh
# The debian-kernel step of make test: our module on Debian's own 6.12
# kernel, which has no GPIO aggregator (nor gpio-sim).
#   1. build gpio-aggregator.ko against Debian's 6.12.113 headers, older
#      than the base tree (no set_rv in struct gpio_chip);
#   2. make deb (lintian clean), and apt-get install ./<package>.deb of
#      both packages into a throwaway Debian 12 root that has Debian's
#      kernel to boot (deb-root.sh; never the host's root): the package's
#      maintainer scripts make DKMS build the module; systemd-analyze
#      verify of the units and systemctl enable there;
#   3. build the test-only parent lines: gpio-sim and irq_sim of the base
#      tree as out-of-tree modules (harness/debian/Kbuild);
#   4. boot Debian's kernel under qemu (debian-boot.sh), check that the
#      gpio-aggregator modprobe loads is the one DKMS built, run the
#      selftests' groups (or cases) $DEBIAN_GROUPS in it, then the
#      boot-time aggregators of the installed package
#      (debian/boot-aggregators.sh);
#   5. apt-get purge, and check that nothing of either package is left.
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

# 2. Our packages: make deb (lintian clean), installed as a user would,
# apt-get install ./<package>.deb, into a throwaway Debian 12 root that has
# Debian's kernel packages (deb-root.sh): their maintainer scripts make
# DKMS build the module for $release. Its boot-time aggregators are
# declared in the root's /etc/gpio-aggregators.conf, for the boot (4.).
# The module goes into a small module tree of the kernel to boot: Debian's
# configfs and what is installed here (depmod over all of Debian's modules
# takes 12 s).
mods=$dir/modules/lib/modules/$release
rm -rf "$dir/modules" "$dir/dkms"
mkdir -p "$mods/kernel/fs/configfs" "$mods/updates/dkms"
cp "$root/lib/modules/$release"/modules.builtin* "$root/lib/modules/$release/modules.order" "$mods/"
cp "$root/lib/modules/$release/kernel/fs/configfs/configfs.ko.xz" "$mods/kernel/fs/configfs/"

changes=$(sh "$HARNESS/deb.sh") ||
	fail "make deb: dpkg-buildpackage or lintian (see $LOGS/deb-build.log and $LOGS/deb-lintian.log)"
record "$name" ok "$name: make deb builds the packages, lintian reports no error or warning"
version=$(basename "$changes" | sed 's/^gpio-aggregator_\(.*\)_[^_]*[.]changes$/\1/')
debroot=$(sh "$HARNESS/deb-root.sh" root) ||
	fail "making the Debian root (see $LOGS/deb-root.log and $LOGS/deb-root-kernel.log)"
pkgs="gpio-aggregator-dkms gpio-vhost-user"
debs="gpio-aggregator-dkms_${version}_all.deb gpio-vhost-user_${version}_amd64.deb"

# in_root CMD...: CMD in the Debian root.
in_root() {
	sh "$HARNESS/deb-root.sh" run "$@"
}

# What a run that stopped half-way left.
for p in $pkgs; do
	! in_root dpkg -s "$p" > /dev/null 2>&1 || in_root dpkg --purge "$p" > /dev/null 2>&1 ||
		fail "cannot purge $p left in $debroot by an earlier run"
done
rm -rf "$debroot/tmp/debs"
mkdir -p "$debroot/tmp/debs"
for d in $debs; do
	cp "$OUT/deb/$d" "$debroot/tmp/debs/"
done
ilog=$LOGS/deb-install.log
if run_logged "$ilog" "apt-get install ./gpio-aggregator-dkms and ./gpio-vhost-user $version into $debroot" \
		in_root sh -c "cd /tmp/debs && apt-get install -y --no-install-recommends $(echo "$debs" | sed 's|^|./|; s| | ./|g')" &&
	in_root dkms status -m gpio-aggregator -v "$version" -k "$release" >> "$ilog" 2>&1 &&
	grep -q "^gpio-aggregator/$version, $release, x86_64: installed" "$ilog" &&
	kos=$(find "$debroot/lib/modules/$release/updates/dkms" -name 'gpio-aggregator.ko*') &&
	[ "$(echo "$kos" | wc -w)" = 1 ]; then
	record "$name" ok "$name: apt-get install ./gpio-aggregator-dkms_${version}_all.deb: DKMS builds and installs the module for $release"
else
	fail "apt-get install of the packages: DKMS builds and installs the module for $release (see $ilog)"
fi
cp "$kos" "$mods/updates/dkms/"
ko=$dir/gpio-aggregator.ko
case $kos in
*.xz) xz -dc "$kos" > "$ko" ;;
*) cp "$kos" "$ko" ;;
esac
# shellcheck disable=SC2086 # one word a package
in_root dpkg -L $pkgs > "$dir/deb-files" || fail "dpkg -L $pkgs in $debroot"

# The units as systemd reads them, in the root where they are installed
# (an instance of the template); the manual page is checked by its path,
# the root has no man.
vlog=$LOGS/deb-units.log
if in_root systemd-analyze verify --man=no gpio-aggregators.service gpio-vhost-user@relay.service > "$vlog" 2>&1 &&
	[ ! -s "$vlog" ] && [ -f "$debroot/usr/share/man/man1/gpio-vhost-user.1.gz" ]; then
	record "$name" ok "$name: systemd-analyze verify gpio-aggregators.service gpio-vhost-user@.service"
else
	record "$name" "not ok" "$name: systemd-analyze verify gpio-aggregators.service gpio-vhost-user@.service, and the manual page (see $vlog)"
fi
# The three lines of the guide: the package, the file, systemctl enable.
wants=$debroot/etc/systemd/system/multi-user.target.wants/gpio-aggregators.service
if in_root systemctl enable gpio-aggregators.service >> "$vlog" 2>&1 && [ -L "$wants" ]; then
	record "$name" ok "$name: systemctl enable gpio-aggregators.service"
else
	record "$name" "not ok" "$name: systemctl enable gpio-aggregators.service makes $wants (see $vlog)"
fi
# The aggregators that harness/debian/boot-aggregators.sh checks, by line
# number: two on a parent there at boot, one on a parent that appears
# later, one the driver refuses, one for a user that does not exist.
cat > "$debroot/etc/gpio-aggregators.conf" <<CONF
early_a   daemon:dialout  0660  boot-early 0-1
early_b   lp:lp           0600  boot-early 4
late      daemon:daemon   0640  boot-late 2,3
bad_line  daemon:daemon   0660  boot-early 1-
bad_user  nosuchuser:daemon 0660 boot-early 6
CONF

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
$script $cases
rc=\$?
sh $HARNESS/debian/boot-aggregators.sh $debroot
exit \$rc" || rc=$?

if grep -q "^kernel: $release\$" "$log" && grep -q "^loaded: [0-9a-f]*$build_id .*/updates/dkms/" "$log"; then
	record "$name" ok "$name: $release loads the gpio-aggregator.ko that the package's DKMS built"
else
	record "$name" "not ok" "$name: $release loads the gpio-aggregator.ko that the package's DKMS built (build ID $build_id; see $log)"
fi
ktap_results "$name" "$name" "$log"

# The boot-time aggregators' checks, and all of them.
sed -n 's/^aggregators: \(not ok\|ok\) \(.*\)$/\1 \2/p' "$log" | while read -r line; do
	case $line in
	"not ok "*) record "$name" "not ok" "$name: boot-time aggregators: ${line#not ok }" ;;
	*) record "$name" ok "$name: boot-time aggregators: ${line#ok }" ;;
	esac
done
want=$(sed -n 's/^aggregators: \([0-9]*\) checks$/\1/p' "$log")
got=$(grep -c '^aggregators: \(not \)\{0,1\}ok ' "$log" || true)
if [ -z "$want" ] || [ "$want" != "$got" ]; then
	record "$name" "not ok" "$name: boot-time aggregators: ${want:-no} checks announced, $got ran (see $log)"
fi

# apt-get purge leaves nothing of either package: no file it installed,
# no directory of its own, no DKMS tree, module or enabled unit, no dpkg
# record.
plog=$LOGS/deb-purge.log
# shellcheck disable=SC2086 # one word a package
run_logged "$plog" "apt-get purge $pkgs in $debroot" in_root apt-get purge -y $pkgs ||
	record "$name" "not ok" "$name: apt-get purge $pkgs (see $plog)"
log=$LOGS/selftest-debian.log # run_logged set it
left=
while read -r f; do
	if [ -e "$debroot$f" ] && { [ ! -d "$debroot$f" ] || expr "$f" : '.*gpio-\(aggregator\|vhost-user\)' > /dev/null; }; then
		left="$left $f"
	fi
done < "$dir/deb-files"
for f in /var/lib/dkms/gpio-aggregator /etc/gpio-aggregators.conf \
	/etc/systemd/system/multi-user.target.wants/gpio-aggregators.service \
	/var/lib/systemd/deb-systemd-helper-enabled/gpio-aggregators.service.dsh-also \
	$(cd "$debroot" && find lib/modules -name 'gpio-aggregator.ko*' | sed 's|^|/|'); do
	[ ! -e "$debroot$f" ] && [ ! -L "$debroot$f" ] || left="$left $f"
done
for p in $pkgs; do
	! in_root dpkg -s "$p" > /dev/null 2>&1 || left="$left (dpkg knows $p)"
done
if [ -z "$left" ]; then
	record "$name" ok "$name: apt-get purge leaves nothing of $pkgs"
else
	record "$name" "not ok" "$name: apt-get purge leaves:$left"
fi
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
ran=$(grep -c '^\(not \)\{0,1\}ok ' "$log" || true)
if [ -z "$planned" ] || [ "$planned" != "$ran" ]; then
	record "$name" "not ok" "$name: planned ${planned:-no} cases, ran $ran"
fi
[ "$rc" != 125 ] ||
	record "$name" "not ok" "$name: the kernel failed: splat, crash or timeout (see $LOGS/console-debian.log)"
! grep -q '^not ok\|^skip' "$RESULTS/$name" || { say "the $name step failed; log: $log"; exit 1; }
[ "$rc" = 0 ] || { say "selftests on Debian's kernel failed (exit $rc); log: $log"; exit 1; }
