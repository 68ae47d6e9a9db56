#!/bin/sh
# Build the VM test's guest kernel: x86_64, allnoconfig plus
# kconfig/guest.config, from the unpacked base tree, in out/build/guest,
# through ccache, with the test driver harness/vm/guest-irq/ built in (a
# kernel consumer of level interrupts). A stamp holding the hashes of the
# fragment and the driver and the base version skips the build when none
# changed. Prints the bzImage's path.
. "$(dirname "$0")/lib.sh"

dir=$(flavour_dir guest)
frag=$HARNESS/kconfig/guest.config
image=$dir/arch/x86/boot/bzImage
stamp=$dir/.vm-stamp
# The driver is copied into the base tree, in a directory of its own that
# no kernel of ours but this one builds: ARCH_CORE, which the top Makefile
# makes of core-y (empty on x86) and the top Kbuild descends into, names it
# on the command line, so kbuild links it into vmlinux without a Kconfig
# entry. (Not core-y itself: a command-line variable reaches every
# sub-make, and core-y also names the parts of composite objects core.o.)
drv=harness-vm-guest-irq
want="$(cat "$frag" "$HARNESS"/vm/guest-irq/* | sha256sum | cut -d' ' -f1) $(base_version)"

if [ -f "$image" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "$image"
	exit 0
fi
[ -d "$SRC" ] || die "no base tree at $SRC: run 'make tree'"
grep -q '^core-y' "$SRC/arch/x86/Makefile" &&
	die "arch/x86/Makefile sets core-y: $HARNESS/vm-kernel.sh overrides it"
mkdir -p "$dir" "$SRC/$drv"
for f in "$HARNESS"/vm/guest-irq/*; do
	cmp -s "$f" "$SRC/$drv/${f##*/}" || cp "$f" "$SRC/$drv/"
done
rm -f "$stamp"
run_logged "$LOGS/build-guest.log" "building the VM guest kernel (first time: a few minutes)" \
	sh -c "make -C '$SRC' O='$dir' ARCH=x86_64 KCONFIG_ALLCONFIG='$frag' allnoconfig &&
		make -C '$SRC' O='$dir' ARCH=x86_64 CC='ccache gcc' ARCH_CORE=$drv/ -j$(nproc) bzImage" >&2 ||
	die "guest kernel build failed; log: $LOGS/build-guest.log"
# Every line of the fragment must have made it into the configuration.
missing=$(grep '^CONFIG_' "$frag" | while read -r opt; do
	grep -qx "$opt" "$dir/.config" || echo "$opt"; done)
[ -z "$missing" ] || die "guest kernel config lacks: $missing (see $dir/.config)"
[ -f "$dir/$drv/gpio-irq-test.o" ] || die "the guest kernel was built without $drv/gpio-irq-test.o"
echo "$want" > "$stamp"
echo "$image"
