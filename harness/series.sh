#!/bin/sh
# make patches: write our work as a git format-patch series against the
# base tree, into $PATCH_DIR (default out/patches), with a cover letter.
#
# harness/series/list says which files each patch brings and
# harness/series/<patch>.msg is its commit message. The series is built in
# a scratch repository (out/series/gen) that starts from the base tree's
# versions of the files we touch; each patch then brings its files as they
# are in the repo, and its part of each shared file, spliced into the base
# version as overlay.sh does. So the last patch leaves exactly the files
# that `make tree` puts into the base tree. Needs `make tree`.
. "$(dirname "$0")/lib.sh"
. "$HARNESS/splice.sh"

PATCH_DIR=${PATCH_DIR:-$OUT/patches}
case $PATCH_DIR in /*) ;; *) PATCH_DIR=$TOP/$PATCH_DIR ;; esac
list=$HARNESS/series/list
gen=$OUT/series/gen
log=$LOGS/series.log
: > "$log"

[ -d "$PRISTINE" ] || die "no base tree yet: run 'make tree'"

# entries: the list without comments and blank lines.
entries() {
	grep -v '^#' "$list" | awk 'NF'
}

# patches: the patches of the series, in order.
patches() {
	entries | awk '$1 != "-" && !seen[$1]++ { print $1 }'
}

# patch_of FILE: the patch whose entry names FILE (exactly or by a shell
# pattern); fails unless exactly one entry does.
patch_of() {
	found=
	n=0
	while read -r p path _; do
		# shellcheck disable=SC2254 # $path is a shell pattern
		case $1 in
		$path) found=$p; n=$((n + 1)) ;;
		esac
	done <<EOF
$(entries)
EOF
	[ "$n" = 1 ] && echo "$found"
}

# part_upto FILE K: our part of shared FILE as it stands after patch
# number K (1-based): the units owned by patches 1 to K, in our order. A
# unit is a line, or for a Kconfig file (a "block" rule) a whole entry.
part_upto() {
	how=$(grep -v '^#' "$HARNESS/splice.rules" | awk -v f="$1" '$1 == f { print $2 }')
	rules=$(entries | awk -v f="$1" '$2 == f {
		regex = $0; sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", regex)
		print $1 "\t" regex }')
	order=$(patches | awk '{ printf "%s%s", sep, $0; sep = " " }')
	awk -v how="$how" -v rules="$rules" -v order="$order" -v k="$2" -v f="$1" '
	BEGIN {
		n = split(rules, r, "\n")
		for (i = 1; i <= n; i++) {
			split(r[i], fld, "\t")
			who[i] = fld[1]; re[i] = fld[2]
		}
		m = split(order, o, " ")
		for (i = 1; i <= m; i++)
			rank[o[i]] = i
	}
	function owner(first,  i) {
		for (i = 1; i <= n; i++)
			if (re[i] == "" || first ~ re[i])
				return who[i]
		printf "series/list: no patch takes this line of %s: %s\n", f, first > "/dev/stderr"
		bad = 1
		return ""
	}
	function flush() {
		if (unit != "" && rank[owner(first)] <= k)
			printf "%s", unit
		unit = ""
	}
	how == "block" && /^(config|menuconfig) / { flush() }
	how != "block" { flush() }
	{ if (unit == "") first = $0; unit = unit $0 "\n" }
	END { flush(); exit bad }
	' "$TOP/$1"
}

# check_coverage: every one of our files is in exactly one patch (or kept
# out with "-"), and every entry names a file.
check_coverage() {
	bad=0
	for f in $(our_files); do
		[ -f "$TOP/$f" ] || continue
		if is_shared "$f"; then
			entries | awk -v f="$f" '$2 == f { n++ } END { exit !n }' ||
				{ echo "series/list: no patch brings our part of $f" >&2; bad=1; }
		elif ! patch_of "$f" > /dev/null; then
			echo "series/list: $f is in no patch or in several" >&2
			bad=1
		fi
	done
	return "$bad"
}

shared=$(shared_files)
is_shared() {
	echo "$shared" | grep -qxF "$1"
}

# base_files DIR: the base tree's version of each file the series touches,
# into DIR: the pristine shared files, and the base files that ours
# replace, from the tarball or from BASE_TREE, an unpacked one.
base_files() {
	for f in $shared; do
		mkdir -p "$1/$(dirname "$f")"
		cp "$PRISTINE/$f" "$1/$f"
	done
	if [ -n "${BASE_TREE:-}" ]; then
		for f in $(our_files); do
			[ ! -f "$BASE_TREE/$f" ] || is_shared "$f" || {
				mkdir -p "$1/$(dirname "$f")"
				cp "$BASE_TREE/$f" "$1/$f"
			}
		done
		return 0
	fi
	tmp=$OUT/series/base-extract
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# shellcheck disable=SC2046 # one argument a path, none with spaces
	tar -xJf "$BASE_TARBALL" -C "$tmp" --ignore-failed-read \
		$(our_files | sed 's|^|linux-source-6.12/|') 2> /dev/null || true
	[ ! -d "$tmp/linux-source-6.12" ] || cp -a "$tmp/linux-source-6.12/." "$1/"
	rm -rf "$tmp"
}

# git_gen ARGS: git in the scratch repository, with the author and date of
# our last commit, so that the same tree gives the same series on any
# machine.
who=$(cd "$TOP" && git log -1 --format='%an%n%ae%n%cI') ||
	die "series: git log failed in $TOP"
name=$(echo "$who" | sed -n 1p)
email=$(echo "$who" | sed -n 2p)
when=$(echo "$who" | sed -n 3p)
git_gen() {
	GIT_AUTHOR_DATE=$when GIT_COMMITTER_DATE=$when \
		git -C "$gen" -c user.name="$name" -c user.email="$email" "$@"
}

# apply_patch K NAME: bring patch K's files into the scratch tree and commit.
apply_patch() {
	for f in $(our_files); do
		[ -f "$TOP/$f" ] || continue
		is_shared "$f" && continue
		[ "$(patch_of "$f")" = "$2" ] || continue
		mkdir -p "$gen/$(dirname "$f")"
		cp "$TOP/$f" "$gen/$f"
	done
	grep -v '^#' "$HARNESS/splice.rules" | while read -r path how spec; do
		[ -n "$path" ] || continue
		entries | awk -v f="$path" -v p="$2" '$1 == p && $2 == f { n++ } END { exit !n }' || continue
		part_upto "$path" "$1" > "$OUT/series/part" || exit 1
		splice "$how" "$spec" "$OUT/series/part" "$PRISTINE/$path" > "$gen/$path" || exit 1
	done || die "series: splicing the shared files for patch $2 failed (see above)"
	msg=$HARNESS/series/$2.msg
	[ -f "$msg" ] || die "series/list names patch '$2', which has no $msg"
	git_gen add -A >> "$log" 2>&1
	git_gen commit -q -s -F "$msg" >> "$log" 2>&1 ||
		die "series: committing patch $2 failed (nothing to commit?); log: $log"
}

# cover_text: the cover letter: harness/series/cover.msg and, when make
# test ran on this commit, its results (test.sh leaves them in
# out/logs/test-summary).
cover_text() {
	cat "$HARNESS/series/cover.msg"
	printf '\nThe series applies to the tree of Debian'"'"'s %s package,\nversion %s.\n' \
		"$BASE_PACKAGE" "$(base_version)"
	summary=$LOGS/test-summary
	head=$(git -C "$TOP" rev-parse HEAD)
	if [ ! -f "$summary" ] || [ "$(head -n 1 "$summary")" != "commit $head" ]; then
		printf '\nmake test has not run on this commit (%.12s) yet.\n' "$head"
		return 0
	fi
	printf '\nTested with make test at the commit this series comes from (UML\n'
	printf 'kernels with gpio-sim parents; a debug kernel with KASAN, lockdep and\n'
	printf 'kmemleak; the checks of this series), by step:\n\n'
	sed 1d "$summary" | while read -r step ok bad; do
		printf -- '- %s: %s passed, %s failed\n' "$step" "$ok" "$bad"
	done
}

check_coverage || die "harness/series/list does not cover our files (see above)"

say "writing the patch series into $PATCH_DIR (log: $log)"
rm -rf "$gen"
mkdir -p "$gen"
git_gen init -q -b series >> "$log" 2>&1
base_files "$gen"
git_gen add -A >> "$log" 2>&1
git_gen commit -q -m "base: $BASE_PACKAGE $(base_version)" >> "$log" 2>&1 ||
	die "series: committing the base files failed; log: $log"
git_gen tag base

k=0
for p in $(patches); do
	k=$((k + 1))
	apply_patch "$k" "$p"
done

# The last patch must leave what overlay.sh puts into the base tree.
for f in $(cd "$gen" && git ls-files); do
	cmp -s "$gen/$f" "$SRC/$f" ||
		die "series: after the last patch, $f differs from $SRC/$f: run 'make tree' and try again"
done

git_gen config branch.series.description "$(cover_text)"
rm -rf "$PATCH_DIR"
mkdir -p "$PATCH_DIR"
git_gen format-patch -q --cover-letter --cover-from-description=subject \
	-o "$PATCH_DIR" base..HEAD >> "$log" 2>&1 ||
	die "series: git format-patch failed; log: $log"
say "patch series: $(find "$PATCH_DIR" -name '*.patch' | wc -l) files in $PATCH_DIR"
