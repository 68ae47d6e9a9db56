#!/bin/sh
# x86-build.sh TREE DIR COMPILER [MAKE ARGS...]: make MAKE ARGS in an
# x86_64 build of TREE in DIR: defconfig plus kconfig/x86_64.config, built
# with COMPILER (gcc, or clang for an LLVM=1 build), both through ccache.
# Used for the clang check (check.sh) and for the build of the patch
# series (series-test.sh), where our code meets a real architecture's
# compiler flags. The config is made again when the base, the fragment,
# the compiler or TREE's drivers/gpio/Kconfig changes (the series adds
# Kconfig entries patch by patch). make's output goes to stdout.
. "$(dirname "$0")/lib.sh"

[ $# -ge 3 ] || die "usage: x86-build.sh TREE DIR gcc|clang [MAKE ARGS...]"
tree=$1 dir=$2 compiler=$3
shift 3
fragment=$HARNESS/kconfig/x86_64.config

# xmake ARGS: make in the x86_64 build of the tree with the compiler asked.
case $compiler in
gcc) xmake() {
	make -C "$tree" ARCH=x86_64 O="$dir" -j"$(nproc)" \
		CC="ccache gcc" HOSTCC="ccache gcc" "$@"
} ;;
clang) xmake() {
	make -C "$tree" ARCH=x86_64 O="$dir" -j"$(nproc)" \
		LLVM=1 CC="ccache clang" HOSTCC="ccache clang" "$@"
} ;;
*) die "x86-build.sh: unknown compiler '$compiler' (gcc or clang)" ;;
esac

mkdir -p "$dir"
want=$( { base_version; cat "$fragment"; echo "$compiler"; cat "$tree/drivers/gpio/Kconfig"; } | sha256sum)
if [ ! -f "$dir/.harness-config" ] || [ "$(cat "$dir/.harness-config")" != "$want" ]; then
	rm -f "$dir/.harness-config"
	{
		xmake defconfig &&
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$fragment" &&
		xmake olddefconfig
	} > "$dir/config.log" 2>&1 ||
		die "x86_64 $compiler config of $tree failed; log: $dir/config.log"
	echo "$want" > "$dir/.harness-config"
fi
xmake "$@"
