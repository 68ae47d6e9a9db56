#!/bin/sh
# Build the VM test's guest kernel: x86_64, allnoconfig plus
# kconfig/guest.config, from the unpacked base tree, in out/build/guest,
# through ccache. A stamp holding the fragment's hash and the base version
# skips the build when neither changed. Prints the bzImage's path.
. "$(dirname "$0")/lib.sh"

dir=$(flavour_dir guest)
frag=$HARNESS/kconfig/guest.config
image=$dir/arch/x86/boot/bzImage
stamp=$dir/.vm-stamp
want="$(sha256sum < "$frag" | cut -d' ' -f1) $(base_version)"

if [ -f "$image" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
	echo "$image"
	exit 0
fi
[ -d "$SRC" ] || die "no base tree at $SRC: run 'make tree'"
mkdir -p "$dir"
rm -f "$stamp"
run_logged "$LOGS/build-guest.log" "building the VM guest kernel (first time: a few minutes)" \
	sh -c "make -C '$SRC' O='$dir' ARCH=x86_64 KCONFIG_ALLCONFIG='$frag' allnoconfig &&
		make -C '$SRC' O='$dir' ARCH=x86_64 CC='ccache gcc' -j$(nproc) bzImage" >&2 ||
	die "guest kernel build failed; log: $LOGS/build-guest.log"
# Every line of the fragment must have made it into the configuration.
missing=$(grep '^CONFIG_' "$frag" | while read -r opt; do
	grep -qx "$opt" "$dir/.config" || echo "$opt"; done)
[ -z "$missing" ] || die "guest kernel config lacks: $missing (see $dir/.config)"
echo "$want" > "$stamp"
echo "$image"
