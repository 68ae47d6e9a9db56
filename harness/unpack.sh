#!/bin/sh
# Unpack Debian's linux-source-6.12 once into out/src/linux, apply the
# harness's fixes to the base tree (harness/patches/*.patch: test-kernel
# fixes, not product) and keep pristine copies of the base files we splice
# into. Unpacks nothing when the tree already holds the installed package
# version with the same patches.
. "$(dirname "$0")/lib.sh"

version=$(base_version) || die "$BASE_PACKAGE is not installed: run 'make deps'"
stamp=$SRC/.harness-base-version
want="$version $(cat "$HARNESS"/patches/*.patch | sha256sum | cut -c1-16)"

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	say "unpacking $BASE_PACKAGE $version (about 20 s)"
	rm -rf "$OUT/src"
	mkdir -p "$OUT/src"
	tar -xJf "$BASE_TARBALL" -C "$OUT/src" ||
		die "unpacking $BASE_TARBALL into $OUT/src failed (disk full? 'make deps' reinstalls $BASE_PACKAGE)"
	mv "$OUT/src/linux-source-6.12" "$SRC"

	for p in "$HARNESS"/patches/*.patch; do
		patch -d "$SRC" -p1 --quiet < "$p" > "$LOGS/patch.log" 2>&1 ||
			die "applying $p to the base tree failed; log: $LOGS/patch.log"
	done
fi

# The splice always starts from these, so running it twice gives one result.
# A file newly named in splice.rules is copied before its first splice.
while read -r path; do
	[ ! -f "$PRISTINE/$path" ] || continue
	mkdir -p "$PRISTINE/$(dirname "$path")"
	cp -p "$SRC/$path" "$PRISTINE/$path" ||
		die "harness/splice.rules names $path, which the base tree lacks"
done <<LIST
$(shared_files)
LIST

echo "$want" > "$stamp"
