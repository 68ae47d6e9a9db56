#!/bin/sh
# Put our files into the base tree: copy the product files, and splice our
# part of the shared files (harness/splice.rules) into the pristine base
# versions. A file in the tree is rewritten only when its content changes, so
# editing one of our files rebuilds only what depends on it, and running the
# overlay twice gives the same tree.
. "$(dirname "$0")/lib.sh"
. "$HARNESS/splice.sh"

manifest=$OUT/src/overlay.manifest

# install_if_changed NEW DEST: move NEW to DEST unless DEST already has it.
install_if_changed() {
	if cmp -s "$1" "$2"; then
		rm -f "$1"
	else
		mkdir -p "$(dirname "$2")"
		mv "$1" "$2"
		say "updated $2"
	fi
}

# splice_all: every rule of splice.rules, from the pristine base files.
splice_all() {
	grep -v '^#' "$HARNESS/splice.rules" | while read -r path how spec; do
		[ -n "$path" ] || continue
		ours=$TOP/$path
		base=$PRISTINE/$path
		new=$SRC/$path.harness-new
		[ -f "$ours" ] || { cp "$base" "$new"; install_if_changed "$new" "$SRC/$path"; continue; }
		splice "$how" "$spec" "$ours" "$base" > "$new" ||
			die "splice.rules: cannot splice $path ('$how' rule)"
		install_if_changed "$new" "$SRC/$path"
	done
}

# product_files: our files at kernel paths, less the shared ones.
product_files() {
	files=$(our_files)
	shared=$(shared_files)
	for f in $files; do
		[ -f "$TOP/$f" ] || continue
		echo "$shared" | grep -qxF "$f" || echo "$f"
	done | sort
}

# restore_base_file PATH: put the base tree's own PATH back, if it has one.
restore_base_file() {
	tmp=$(mktemp -d)
	if tar -xJf "$BASE_TARBALL" -C "$tmp" "linux-source-6.12/$1" 2>/dev/null; then
		mv "$tmp/linux-source-6.12/$1" "$SRC/$1"
	fi
	rm -rf "$tmp"
}

# copy_product: copy each product file that changed; forget removed ones.
copy_product() {
	product_files > "$manifest.new"
	[ -s "$manifest.new" ] || die "no product file to copy into $SRC (git ls-files: $(our_files | wc -l) files)"
	while read -r f; do
		cp "$TOP/$f" "$SRC/$f.harness-new"
		install_if_changed "$SRC/$f.harness-new" "$SRC/$f"
	done < "$manifest.new"
	if [ -f "$manifest" ]; then
		comm -23 "$manifest" "$manifest.new" | while read -r f; do
			say "no longer ours: $f (restoring the base version)"
			rm -f "$SRC/$f"
			restore_base_file "$f"
		done
	fi
	mv "$manifest.new" "$manifest"
}

sh "$HARNESS/unpack.sh"
copy_product
splice_all
say "base tree: $BASE_PACKAGE $(base_version) at $SRC"
