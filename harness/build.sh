#!/bin/sh
# Build one flavour of the ARCH=um test kernel and install its modules.
#   build.sh test    the test kernel (kconfig/test.config)
#   build.sh debug   the test kernel plus kconfig/debug.config
# Incremental: the config is made again only when a fragment or the base
# version changes, and make rebuilds only what our edits touched.
. "$(dirname "$0")/lib.sh"

flavour=${1:-test}
case $flavour in
test) fragments="$HARNESS/kconfig/test.config" ;;
debug) fragments="$HARNESS/kconfig/test.config $HARNESS/kconfig/debug.config" ;;
*) die "unknown kernel flavour '$flavour' (test or debug)" ;;
esac

dir=$(flavour_dir "$flavour")
staging=$OUT/staging/$flavour
mkdir -p "$dir"

kmake() {
	make -C "$SRC" ARCH=um O="$dir" CC="ccache gcc" -j"$(nproc)" "$@"
}

# check_config: every option a fragment sets must have that value in .config.
check_config() {
	grep -h -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' $fragments |
		sort -u | while read -r want; do
			case $want in
			"# "*) sym=${want#\# }; sym=${sym%% *}
				! grep -q "^$sym=" "$dir/.config" ||
					die "$flavour config: $sym is set, wanted unset; log: $LOGS/config-$flavour.log" ;;
			*) grep -qxF "$want" "$dir/.config" ||
					die "$flavour config: '$want' did not stick (a missing dependency?); log: $LOGS/config-$flavour.log" ;;
			esac
		done
}

# make_config: defconfig plus our fragments, when they changed.
make_config() {
	want=$( { base_version; cat $fragments; } | sha256sum)
	[ -f "$dir/.harness-config" ] && [ "$(cat "$dir/.harness-config")" = "$want" ] && return
	rm -f "$dir/.harness-config"
	clog=$LOGS/config-$flavour.log
	kmake defconfig > "$clog" 2>&1 ||
		die "$flavour kernel: make defconfig failed; log: $clog"
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" $fragments \
		>> "$clog" 2>&1 ||
		die "$flavour kernel: merging the config fragments failed; log: $clog"
	kmake olddefconfig >> "$clog" 2>&1 ||
		die "$flavour kernel: make olddefconfig failed; log: $clog"
	check_config
	echo "$want" > "$dir/.harness-config"
}

make_config
run_logged "$LOGS/build-$flavour.log" "building the $flavour kernel (first time: 4-8 min)" kmake
run_logged "$LOGS/modules-$flavour.log" "installing $flavour modules" \
	kmake INSTALL_MOD_PATH="$staging" modules_install
say "$flavour kernel $(kernel_release "$flavour"): $dir/linux"
