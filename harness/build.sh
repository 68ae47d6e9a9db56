#!/bin/sh
# Build one flavour of the ARCH=um test kernel and install its modules.
#   build.sh test    the test kernel (kconfig/test.config)
#   build.sh debug   the test kernel plus kconfig/debug.config, and our KUnit
#                    suites (drivers/gpio/.kunitconfig) as modules
# Incremental: the config is made again only when a fragment or the base
# version changes, and make rebuilds only what our edits touched.
. "$(dirname "$0")/lib.sh"

flavour=${1:-test}
dir=$(flavour_dir "$flavour")
staging=$OUT/staging/$flavour
mkdir -p "$dir"

# kunit_fragment FILE: write to FILE a fragment that builds every KUnit
# suite of drivers/gpio/.kunitconfig as a module, for kunit-debug.sh to
# load in the debug kernel; a suite added there is picked up with no edit
# here.
kunit_fragment() {
	kunitconfig=$SRC/drivers/gpio/.kunitconfig
	suites=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*_KUNIT_TEST\)=.*/\1=m/p' "$kunitconfig") ||
		die "cannot read $kunitconfig: run 'make tree'"
	[ -n "$suites" ] || die "no CONFIG_*_KUNIT_TEST in $kunitconfig"
	printf '# From drivers/gpio/.kunitconfig by harness/build.sh\nCONFIG_KUNIT=y\n%s\n' \
		"$suites" > "$1"
}

# profile: make variables of the flavour. The debug kernel profiles
# gpio-aggregator.o with gcov (kconfig/debug.config has GCOV_KERNEL) for
# coverage.sh; set here, not in the product's drivers/gpio/Makefile.
profile=
case $flavour in
test) fragments="$HARNESS/kconfig/test.config" ;;
debug)
	kunit_fragment "$dir/kunit-modules.config"
	profile=GCOV_PROFILE_gpio-aggregator.o=y
	fragments="$HARNESS/kconfig/test.config $HARNESS/kconfig/debug.config $dir/kunit-modules.config" ;;
*) die "unknown kernel flavour '$flavour' (test or debug)" ;;
esac

kmake() {
	# shellcheck disable=SC2086
	make -C "$SRC" ARCH=um O="$dir" CC="ccache gcc" -j"$(nproc)" $profile "$@"
}

# check_config: every option a fragment sets must have that value in .config;
# as in merge_config.sh, a later fragment overrides an earlier one.
check_config() {
	# shellcheck disable=SC2086
	awk '/^CONFIG_[A-Z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym) }
		/^# CONFIG_[A-Z0-9_]+ is not set/ { sym = $2 }
		sym != "" { last[sym] = $0; sym = "" }
		END { for (s in last) print last[s] }' $fragments |
		while read -r want; do
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
	# shellcheck disable=SC2086 # $fragments: a list of paths without spaces
	want=$( { base_version; cat $fragments; } | sha256sum)
	[ -f "$dir/.harness-config" ] && [ "$(cat "$dir/.harness-config")" = "$want" ] && return
	rm -f "$dir/.harness-config"
	clog=$LOGS/config-$flavour.log
	kmake defconfig > "$clog" 2>&1 ||
		die "$flavour kernel: make defconfig failed; log: $clog"
	# shellcheck disable=SC2086 # as above
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
# From scratch, so that no module of an older build (a suite since removed)
# is left for kunit-debug.sh to load.
rm -rf "$staging"
run_logged "$LOGS/modules-$flavour.log" "installing $flavour modules" \
	kmake INSTALL_MOD_PATH="$staging" modules_install
say "$flavour kernel $(kernel_release "$flavour"): $dir/linux"
