#!/bin/sh
# debian-boot.sh 'CMD': boot Debian's own kernel (debian-kernel.sh boot)
# under qemu-system-x86_64 (TCG: no KVM needed) and run CMD with /bin/sh
# inside, the host root mounted read-only over virtio-9p and
# out/debian-kernel/<version>/modules/lib/modules (Debian's configfs and
# the modules that debian-test.sh installs there) at /lib/modules. The small initramfs (busybox-static,
# Debian's 9p modules, harness/debian/init) is built once and cached.
# CMD's output goes to stdout, the kernel console to the console log, which
# is searched for splats afterwards, as for the UML kernels (boot.sh).
#
# Exit status: CMD's, or 125 when the kernel failed (a splat, a crash, the
# time limit).
#
# Environment: TIMEOUT (seconds, default 600) stops a hung machine;
# CONSOLE_LOG names the console log (default out/logs/console-debian.log).
. "$(dirname "$0")/lib.sh"

root=$(sh "$HARNESS/debian-kernel.sh" boot) || exit 1
dir=$(dirname "$root")
release=$(ls "$root/lib/modules")
vmlinuz=$root/boot/vmlinuz-$release
console=${CONSOLE_LOG:-$LOGS/console-debian.log}
timeout=${TIMEOUT:-600}
[ -f "$vmlinuz" ] || die "no kernel image at $vmlinuz"
# The modules of the guest: Debian's configfs and ours, staged by
# debian-test.sh.
modules=$dir/modules/lib/modules
[ -f "$modules/$release/modules.dep" ] || die "no modules staged in $modules: run 'make debian-test'"
command -v qemu-system-x86_64 > /dev/null || die "no qemu-system-x86_64: run 'make deps'"

# The initramfs, rebuilt when its init or busybox changes.
# busybox-static is not installed (it conflicts with busybox, which the UML
# runs use), only downloaded and unpacked like the kernel packages.
initrd=$dir/initramfs.cpio.gz
debs=$OUT/debian-kernel/debs
busybox=$OUT/debian-kernel/busybox-static/bin/busybox
if [ ! -x "$busybox" ]; then
	mkdir -p "$debs"
	rm -f "$debs"/busybox-static_*.deb
	(cd "$debs" && apt-get download busybox-static) > "$LOGS/debian-kernel-download.log" 2>&1 ||
		die "apt-get download busybox-static failed; log: $LOGS/debian-kernel-download.log"
	for deb in "$debs"/busybox-static_*.deb; do
		dpkg-deb -x "$deb" "$OUT/debian-kernel/busybox-static" ||
			die "unpacking $deb failed"
	done
fi
want=$(cat "$HARNESS/debian/init" "$busybox" | sha256sum | cut -c1-16)
if [ "$(cat "$initrd.stamp" 2>/dev/null)" != "$want" ]; then
	say "building the initramfs of Debian's kernel ($initrd)"
	tree=$dir/initramfs
	rm -rf "$tree"
	mkdir -p "$tree/bin" "$tree/modules" "$tree/proc" "$tree/sys" "$tree/dev" "$tree/newroot"
	cp "$busybox" "$tree/bin/busybox"
	cp "$HARNESS/debian/init" "$tree/init"
	chmod 755 "$tree/init"
	for m in netfs 9pnet 9pnet_virtio 9p; do
		f=$(find "$root/lib/modules/$release/kernel" -name "$m.ko.xz")
		[ -n "$f" ] || die "no $m.ko.xz in Debian's kernel"
		xz -dc "$f" > "$tree/modules/$m.ko"
	done
	(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -1) > "$initrd.new" ||
		die "packing the initramfs failed"
	mv "$initrd.new" "$initrd"
	echo "$want" > "$initrd.stamp"
fi

mkdir -p "$OUT/run"
rundir=$(mktemp -d "$OUT/run/debian.XXXXXX")
trap 'rm -rf "$rundir"' EXIT
pwd > "$rundir/cwd"
echo "$modules" > "$rundir/modules"
printf '%s\n' "$*" > "$rundir/cmd"

# ttyS0 (the console) goes to the log, ttyS1 (CMD's terminal) to stdout.
# One CPU: the selftests start thousands of processes, and each exec costs
# about three times as much with two emulated CPUs (their TLB flushes wait
# for each other) on a loaded host. tsc=reliable: under TCG on a loaded
# host the clocksource watchdog finds the TSC "unstable" and logs it in
# the middle of the selftests, whose cases count the kernel's messages.
timeout -k 10 "$timeout" qemu-system-x86_64 -nodefaults -no-user-config \
	-accel tcg -smp 1 -m 1G -display none -no-reboot \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 rdinit=/init tsc=reliable" \
	-serial "file:$console" -chardev stdio,id=cmd,signal=off -serial chardev:cmd \
	-virtfs local,path=/,mount_tag=hostroot,readonly=on,security_model=none,multidevs=remap \
	-virtfs "local,path=$rundir,mount_tag=harness,security_model=none" \
	< /dev/null || true

# A failure of the kernel rather than of the command exits with 125.
boot_outcome "$console" "$rundir" "$timeout"
