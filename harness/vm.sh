#!/bin/sh
# make vm: the VM test. A vhost-user GPIO back-end (tools/gpio/
# gpio-vhost-user.c) serves an aggregator of gpio-sim lines, in the test
# kernel, to a test client of malformed requests (harness/vm/vu-client.c)
# and then to a QEMU guest (kernel: vm-kernel.sh; init:
# harness/vm/guest-init.c) that drives the lines; harness/vm/run-vm.sh
# is the host side inside the test kernel.
# Records one result a check in out/logs/results/vm; log: out/logs/vm.log.
. "$(dirname "$0")/lib.sh"

dir=$OUT/vm
log=$LOGS/vm.log
blog=$LOGS/vm-build.log
mkdir -p "$dir"
rm -f "$RESULTS/vm"
: > "$blog"

fail() {
	record vm "not ok" "vm: $1"
	die "$1"
}

# QEMU=path runs another QEMU binary (9.0 or later: the guest needs
# VIRTIO_GPIO_F_IRQ, which QEMU 7.2 turns down).
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" > /dev/null ||
	fail "no $qemu (package qemu-system-x86 from bookworm-backports; run 'make deps')"
qemu=$(command -v "$qemu")
say "VM test with $("$qemu" --version | head -n 1) ($qemu)"
[ -x "$(flavour_dir test)/linux" ] || fail "no test kernel (see $LOGS/build-test.log)"

# The back-end (product), built as the kernel builds its GPIO tools
# (make -C tools/gpio, as lsgpio), and the test programs: a second each.
rm -rf "$dir/tools-gpio"
mkdir -p "$dir/tools-gpio"
make -C "$SRC/tools/gpio" OUTPUT="$dir/tools-gpio/" "$dir/tools-gpio/gpio-vhost-user" >> "$blog" 2>&1 ||
	fail "building gpio-vhost-user with make -C tools/gpio (see $blog)"
cp "$dir/tools-gpio/gpio-vhost-user" "$dir/gpio-vhost-user"
cc -O2 -Wall -Wextra -o "$dir/vu-client" "$HARNESS/vm/vu-client.c" >> "$blog" 2>&1 ||
	fail "building vu-client (see $blog)"
cc -O2 -Wall -Wextra -o "$dir/edge-reader" "$HARNESS/vm/edge-reader.c" >> "$blog" 2>&1 ||
	fail "building edge-reader (see $blog)"
cc -O2 -Wall -Wextra -static -o "$dir/init" "$HARNESS/vm/guest-init.c" >> "$blog" 2>&1 ||
	fail "building the guest init (see $blog)"
# The initramfs: the kernel's own cpio writer, built from the base tree.
cc -O2 -o "$dir/gen_init_cpio" "$SRC/usr/gen_init_cpio.c" >> "$blog" 2>&1 ||
	fail "building gen_init_cpio (see $blog)"
cat > "$dir/initramfs.list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
file /init $dir/init 0755 0 0
LIST
"$dir/gen_init_cpio" "$dir/initramfs.list" > "$dir/initramfs.cpio" 2>> "$blog" ||
	fail "writing the initramfs (see $blog)"
image=$(sh "$HARNESS/vm-kernel.sh") || fail "guest kernel (see $LOGS/build-guest.log)"
cp "$image" "$dir/bzImage"

# The admin guide's VM walkthrough, run as written: its examples, taken out
# of the guide by the selftests' own doc_extract, are these five; vm-build
# runs here, in the kernel tree, the others in run-vm.sh.
walk=$dir/walk
rm -rf "$walk"
mkdir -p "$walk"
bash -c 'GPIO_AGGREGATOR_DOC=$2; . "$3"; WORK=$1; doc_extract' _ "$walk" \
	"$SRC/Documentation/admin-guide/gpio/gpio-aggregator.rst" \
	"$SRC/tools/testing/selftests/gpio/gpio-aggregator-lib.sh" ||
	fail "extracting the guide's examples"
got=
for f in "$walk"/doc/example:vm-* "$walk"/doc/output:vm-*; do
	[ -e "$f" ] && got="$got${f##*/} "
done
want="example:vm-backend example:vm-build example:vm-create example:vm-hand-over example:vm-qemu output:vm-create "
[ "$got" = "$want" ] ||
	fail "the guide's VM examples are '$got', not the '$want' that the VM test runs"
rm -f "$SRC/tools/gpio/gpio-vhost-user"
if (cd "$SRC" && sh -e "$walk/doc/example:vm-build") >> "$blog" 2>&1 &&
	[ -x "$SRC/tools/gpio/gpio-vhost-user" ]; then
	record vm ok "vm: walkthrough vm-build: 'make -C tools/gpio' in the kernel tree builds tools/gpio/gpio-vhost-user"
else
	record vm "not ok" "vm: walkthrough vm-build: 'make -C tools/gpio' in the kernel tree did not build tools/gpio/gpio-vhost-user (see $blog)"
fi

say "VM test in the test kernel (log: $log)"
export CONSOLE_LOG="$LOGS/console-vm.log"
rc=0
TIMEOUT=${TIMEOUT:-900} sh "$HARNESS/boot.sh" "QEMU=$qemu VU_VERBOSE=${VU_VERBOSE:-} WALK=$walk SRCTREE=$SRC sh $HARNESS/vm/run-vm.sh $dir" > "$log" 2>&1 || rc=$?

# Every check the three parties print, then the ones that must be there.
grep -a '^\(vm\|client\|host\): \(ok\|not ok\) ' "$log" | while IFS= read -r line; do
	who=${line%%:*}
	rest=${line#*: }
	case $rest in
	"ok "*) record vm ok "vm: $who: ${rest#ok }" ;;
	*) record vm "not ok" "vm: $who: ${rest#not ok } (see $log)" ;;
	esac
done
grep -aq '^client: done failures=0' "$log" ||
	record vm "not ok" "vm: the test client did not finish cleanly (see $log)"
grep -aq '^client: backend exit 0' "$log" ||
	record vm "not ok" "vm: the back-end did not exit cleanly when the client left (see $log)"
grep -aq '^vm: done failures=0' "$log" ||
	record vm "not ok" "vm: the guest did not finish cleanly (see $log)"
# Fixed counts: the guest's checks (interrupts included: a guest without
# them fails) and the host side's (5 of them the walkthrough's).
want_vm=15 want_host=8
n=$(grep -ac '^vm: ok ' "$log" || true)
[ "$n" = $want_vm ] || record vm "not ok" "vm: $n guest checks passed, not $want_vm (see $log)"
n=$(grep -ac '^host: ok ' "$log" || true)
[ "$n" = $want_host ] || record vm "not ok" "vm: $n host checks passed, not $want_host (see $log)"
grep -aq '^run-vm: done' "$log" ||
	record vm "not ok" "vm: the run in the test kernel did not finish (see $log)"
[ "$rc" = 0 ] || record vm "not ok" "vm: the test kernel run failed (exit $rc; see $log and $CONSOLE_LOG)"
grep -a '^vm: latency\|^client: latency\|^run-vm: qemu\|^run-vm: latency' "$log" >&2 || true
! grep -q '^not ok' "$RESULTS/vm"
