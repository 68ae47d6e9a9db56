#!/bin/sh
# debian-kernel.sh boot|old: fetch Debian's own 6.12 kernel packages with
# apt-get download and unpack them under out/debian-kernel/<version>/root;
# print that directory. "boot" is the kernel the debian-kernel step boots
# (image, headers, headers-common, kbuild); "old" is an older 6.12.y whose
# headers lack struct gpio_chip's set_rv (headers only), which the module
# must build against too.
#
# Nothing is installed: the image's maintainer scripts (initramfs, grub)
# never run. The .debs stay in out/debian-kernel/debs and the unpacked tree
# is reused while its stamp matches; the absolute paths of the packages
# (the headers' Makefile, lib/modules/*/build) are made to point into it.
. "$(dirname "$0")/lib.sh"

# The pinned versions: ABI name and package version. Debian's security
# archive keeps them while they are current; if apt no longer offers one,
# pick another with 'apt-cache policy linux-headers-6.12.NNN+deb12-amd64'.
BOOT_ABI=6.12.117+deb12
BOOT_VERSION=6.12.117-1~deb12u1
OLD_ABI=6.12.113+deb12
OLD_VERSION=6.12.113-1~deb12u1

case ${1:-} in
boot) abi=$BOOT_ABI version=$BOOT_VERSION ;;
old) abi=$OLD_ABI version=$OLD_VERSION ;;
*) die "usage: debian-kernel.sh boot|old" ;;
esac

packages="linux-headers-$abi-amd64 linux-headers-$abi-common linux-kbuild-$abi"
[ "$1" = old ] || packages="linux-image-$abi-amd64-unsigned $packages"

debs=$OUT/debian-kernel/debs
dir=$OUT/debian-kernel/$abi
root=$dir/root
stamp=$dir/.stamp
want="$packages $version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "$root"
	exit 0
fi

mkdir -p "$debs"
files=
for p in $packages; do
	# apt-get download names the file <package>_<version, : as %3a>_<arch>.deb.
	f=$debs/${p}_$(echo "$version" | sed 's/:/%3a/')_$(dpkg --print-architecture).deb
	[ "$p" = "${p%-common}" ] || f=${f%_*}_all.deb
	if [ ! -f "$f" ]; then
		apt-cache madison "$p" | awk -F ' *[|] *' -v v="$version" '
			$2 == v { found = 1 } END { exit !found }' ||
			die "apt offers no $p $version (pinned in $0): 'apt-get update', or pin a version apt-cache policy lists"
		run_logged "$LOGS/debian-kernel-download.log" "downloading $p $version" \
			sh -c "cd '$debs' && apt-get download '$p=$version'" ||
			die "apt-get download $p=$version failed; log: $LOGS/debian-kernel-download.log"
		[ -f "$f" ] || die "apt-get download $p=$version made no $f"
	fi
	files="$files $f"
done

say "unpacking Debian's $abi kernel packages into $root"
rm -rf "$dir"
mkdir -p "$root"
for f in $files; do
	dpkg-deb -x "$f" "$root" || die "dpkg-deb -x $f failed (disk full? remove $debs to download again)"
done

# The headers' Makefile includes the common one by its absolute path.
hdr=$root/usr/src/linux-headers-$abi-amd64
sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
grep -q "^include $root/" "$hdr/Makefile" || die "unexpected $hdr/Makefile: no include of /usr/src/..."
for l in "$root"/lib/modules/*/build "$root"/lib/modules/*/source; do
	[ -L "$l" ] || continue
	ln -sfn "$root$(readlink "$l")" "$l"
done

echo "$want" > "$stamp"
echo "$root"
