#!/bin/sh
# deb-root.sh root | run CMD...: a throwaway Debian 12 root in
# out/deb-root/root, where the debian-kernel step installs our packages as
# a user would (apt-get install ./<package>.deb), never in the host's root.
#   root     make it once, then reuse it, and print its path: debootstrap
#            --variant=minbase bookworm with the security suite, systemd
#            (a user's machine has it; systemd-analyze verify and
#            systemctl enable run there), and Debian's kernel packages of
#            the debian-kernel step (image, headers, kbuild, from
#            out/debian-kernel/debs), installed with apt-get, so that DKMS
#            builds for that kernel; INITRD=No keeps the kernel's hook from
#            building an initramfs nobody boots.
#   run CMD  run CMD in it, with /proc, /sys and /dev mounted in a mount
#            namespace of its own (nothing stays mounted).
# Making it is mostly downloads and dpkg: test.sh starts it in the
# background at its beginning, beside the kernel builds.
# The root is made again when its stamp (the debootstrap command and the
# kernel packages) changes; rm -rf out/deb-root does it by hand.
. "$(dirname "$0")/lib.sh"

dir=$OUT/deb-root
root=$dir/root
MIRROR=http://deb.debian.org/debian

# in_root CMD...: CMD in the root, in a private mount namespace.
in_root() {
	# shellcheck disable=SC2016 # expanded by the shell in the namespace
	unshare -m sh -c 'r=$1; shift
		mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" && mount -t tmpfs tmpfs "$r/run" &&
		exec chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$root" "$@"
}

case ${1:-} in
run)
	shift
	[ -f "$dir/.stamp" ] || die "no Debian root in $root: run 'sh harness/deb-root.sh root'"
	in_root "$@"
	exit
	;;
root) ;;
*) die "usage: deb-root.sh root | run CMD..." ;;
esac

# One maker at a time: test.sh starts one in the background at its
# beginning, and the debian-kernel step waits here for it.
mkdir -p "$OUT"
exec 9> "$OUT/deb-root.lock"
flock 9

kroot=$(sh "$HARNESS/debian-kernel.sh" boot) || exit 1
release=$(ls "$kroot/lib/modules")
abi=${release%-amd64}
debs=$OUT/debian-kernel/debs
kdebs=$(ls "$debs"/linux-image-"$abi"-amd64-unsigned_*.deb "$debs"/linux-headers-"$abi"-amd64_*.deb \
	"$debs"/linux-headers-"$abi"-common_*.deb "$debs"/linux-kbuild-"$abi"_*.deb) ||
	die "no kernel packages of $abi in $debs (make debian-kernel)"
# shellcheck disable=SC2086 # paths without spaces
want="debootstrap --variant=minbase --include=systemd bookworm $MIRROR; $(basename -a $kdebs | tr '\n' ' ')"
if [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$want" ]; then
	echo "$root"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"
run_logged "$LOGS/deb-root.log" "debootstrap of a Debian 12 root in $root" \
	debootstrap --variant=minbase --include=systemd bookworm "$root" "$MIRROR" ||
	die "debootstrap failed; log: $LOGS/deb-root.log"
cat > "$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# No daemon starts in the root.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/debs"
# shellcheck disable=SC2086 # paths without spaces
cp $kdebs "$root/tmp/debs/"
run_logged "$LOGS/deb-root-kernel.log" "installing Debian's $abi kernel packages in $root" \
	in_root sh -c 'apt-get update && INITRD=No apt-get install -y --no-install-recommends /tmp/debs/*.deb' ||
	die "installing the kernel packages failed; log: $LOGS/deb-root-kernel.log"
rm -rf "$root/tmp/debs"
in_root apt-get clean
echo "$want" > "$dir/.stamp"
echo "$root"
