# shellcheck shell=sh
# The splicing of our part of a shared file into the base tree's version,
# as harness/splice.rules describes it. Sourced by overlay.sh, which
# splices the repo's parts, and by series.sh, which splices them patch by
# patch.

# splice_region PATTERN END OURS BASE: replace the lines from the one
# matching PATTERN up to the next one matching END (kept) by OURS.
splice_region() {
	awk -v pat="$1" -v end="$2" -v ours="$3" '
	function emit_ours(  line) {
		while ((getline line < ours) > 0)
			print line
		close(ours)
		done = 1
	}
	$0 ~ pat { skipping = 1; emit_ours(); next }
	skipping && $0 ~ end { skipping = 0 }
	skipping { next }
	{ print }
	END { if (!done) emit_ours() }
	' "$4"
}

# splice_block PATTERN OURS BASE: replace the Kconfig entry at PATTERN.
splice_block() {
	splice_region "$1" \
		'^(config|menuconfig|menu|endmenu|if|endif|comment|source|choice|endchoice)([ \t]|$)' \
		"$2" "$3"
}

# splice_section PATTERN OURS BASE: replace the MAINTAINERS section whose
# first line matches PATTERN (up to its blank line).
splice_section() {
	splice_region "$1" '^$' "$2" "$3"
}

# splice_lines PATTERN ANCHOR OURS BASE: replace the lines matching PATTERN.
splice_lines() {
	awk -v pat="$1" -v anchor="$2" -v ours="$3" '
	function emit_ours(  line) {
		while ((getline line < ours) > 0)
			print line
		close(ours)
		done = 1
	}
	{ lines[NR] = $0 }
	END {
		for (i = 1; i <= NR; i++)
			if (lines[i] ~ pat) { at = i; break }
		if (!at && anchor != "")
			for (i = 1; i <= NR; i++)
				if (lines[i] ~ anchor) { at = -i; break }
		for (i = 1; i <= NR; i++) {
			if (i == at || i == -at && !done)
				emit_ours()
			if (lines[i] !~ pat)
				print lines[i]
		}
		if (!done)
			emit_ours()
	}
	' "$4"
}

# splice HOW SPEC OURS BASE: splice OURS into BASE by a rule of
# splice.rules (HOW and SPEC as written there), to stdout.
splice() {
	case $1 in
	block) splice_block "$2" "$3" "$4" ;;
	section) splice_section "$2" "$3" "$4" ;;
	lines) splice_lines "${2%%|*}" "${2#*|}" "$3" "$4" ;;
	*) echo "unknown splice rule '$1'" >&2; return 1 ;;
	esac
}
