#!/bin/sh
# source.sh DIR: assemble in DIR the source tree of the out-of-tree module,
# for DKMS (dkms add/install DIR) and for make module: the product files
# gpio-aggregator.c, gpio-aggregator.h and forwarder.h at their kernel
# paths, this directory's Kbuild and compatibility header, and dkms.conf with
# the version of this checkout (the date and hash of its last commit, with
# "+" when the product files differ from it). Files are rewritten only when
# their content changes, so a second build rebuilds only what changed.
set -eu
[ $# = 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1

files="drivers/gpio/gpio-aggregator.c drivers/gpio/gpio-aggregator.h include/linux/gpio/forwarder.h"
version=$(cd "$top" && git log -1 --date=format:%Y%m%d --format=%cd.%h 2>/dev/null) || version=0
# shellcheck disable=SC2086
(cd "$top" && git diff --quiet HEAD -- $files dkms 2>/dev/null) || version=$version+

# put NEW DEST: DEST gets NEW's content unless it already has it.
put() {
	mkdir -p "$(dirname "$2")"
	cmp -s "$1" "$2" || cp "$1" "$2"
}

for f in $files; do
	put "$top/$f" "$dir/$f"
done
put "$top/dkms/Kbuild" "$dir/Kbuild"
put "$top/dkms/gpio-aggregator-compat.h" "$dir/gpio-aggregator-compat.h"
sed "s/@VERSION@/$version/" "$top/dkms/dkms.conf" > "$dir/dkms.conf.new"
put "$dir/dkms.conf.new" "$dir/dkms.conf"
rm -f "$dir/dkms.conf.new"
