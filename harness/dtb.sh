#!/bin/sh
# Build the devicetree blob the test kernel boots with, from
# harness/dts/test.dts: the C preprocessor (for the kernel's dt-bindings
# headers) and then dtc. Rebuilt only when the source is newer.
. "$(dirname "$0")/lib.sh"

dts=$HARNESS/dts/test.dts
dtb=$OUT/build/dtb/test.dtb
[ -f "$dts" ] || exit 0
[ -f "$dtb" ] && [ -z "$(find "$dts" -newer "$dtb")" ] && exit 0

mkdir -p "$(dirname "$dtb")"
cpp -nostdinc -undef -x assembler-with-cpp -I "$SRC/include" \
	"$dts" > "$dtb.pre" 2> "$LOGS/dtb.log" ||
	die "preprocessing $dts failed; log: $LOGS/dtb.log"
dtc -q -I dts -O dtb -o "$dtb" "$dtb.pre" 2>> "$LOGS/dtb.log" ||
	die "dtc failed on $dts; log: $LOGS/dtb.log"
rm -f "$dtb.pre"
say "devicetree: $dtb"
