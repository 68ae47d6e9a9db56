#!/bin/sh
# Run in the test kernel by harness/vm.sh: the VM test's host side.
#   run-vm.sh VMDIR
# VMDIR (out/vm) holds gpio-vhost-user, vu-client, the guest's bzImage and
# initramfs.cpio. Makes two gpio-sim chips and an aggregator of four of
# their lines, serves it with gpio-vhost-user, then:
#   1. vu-client, a vhost-user front-end of our own, feeds the back-end
#      malformed requests and level interrupts (lines "client: ok ...");
#   2. QEMU boots the guest on a fresh back-end; this script answers the
#      guest's "@" requests on the serial console (lines "vm: ok ...",
#      "host: ok ...").
# Ends with "run-vm: done".
# Every path here is ours and has no space: unquoted expansions are safe.
# shellcheck disable=SC2086
set -u
vmdir=$1
work=/run/vm
cfs=/sys/kernel/config
mkdir -p $work

if ! modprobe gpio-sim || ! modprobe gpio-aggregator; then
	echo "host: not ok modules"
	exit 1
fi

# sim NAME LABEL PREFIX: a gpio-sim chip of 4 lines named PREFIX0..3
sim() {
	d=$cfs/gpio-sim/$1
	mkdir $d $d/bank0
	echo 4 > $d/bank0/num_lines
	echo "$2" > $d/bank0/label
	for i in 0 1 2 3; do
		mkdir $d/bank0/line$i
		echo "$3$i" > $d/bank0/line$i/name
	done
	echo 1 > $d/live
}
sim vma vm-sim-a a
sim vmb vm-sim-b b

# The aggregator: line N -> parent, name
agg=$cfs/gpio-aggregator/vm
mkdir $agg
n=0
for spec in vm-sim-a:0:vm-out vm-sim-b:1:vm-in vm-sim-a:2:vm-irq vm-sim-b:3:vm-rise; do
	mkdir $agg/line$n
	echo "${spec%%:*}" > $agg/line$n/key
	rest=${spec#*:}
	echo "${rest%%:*}" > $agg/line$n/offset
	echo "${rest#*:}" > $agg/line$n/name
	n=$((n + 1))
done
echo 1 > $agg/live || { echo "host: not ok aggregator"; exit 1; }
dev=$(cat $agg/dev_name)
chip=$(basename /sys/bus/platform/devices/$dev/gpiochip*)
echo "run-vm: aggregator $dev is $chip"
gpioinfo "$chip"

# parent AGG_LINE: "SIM OFFSET" of the gpio-sim line behind a line
parent() {
	case $1 in
	0) echo vma 0 ;; 1) echo vmb 1 ;; 2) echo vma 2 ;; 3) echo vmb 3 ;;
	esac
}
# attr SIM OFFSET FILE: a gpio-sim line's sysfs file (value, pull)
attr() {
	sdev=$(cat $cfs/gpio-sim/$1/dev_name)
	schip=$(cat $cfs/gpio-sim/$1/bank0/chip_name)
	echo /sys/bus/platform/devices/$sdev/$schip/sim_gpio$2/$3
}

# serve NAME: start a back-end on $work/NAME.sock; waits for the socket.
serve() {
	rm -f $work/$1.sock
	"$vmdir/gpio-vhost-user" ${VU_VERBOSE:-} -s $work/$1.sock /dev/$chip 2> $work/$1.log &
	backend=$!
	i=0
	while [ ! -S $work/$1.sock ] && [ $i -lt 100 ]; do
		kill -0 $backend 2>/dev/null || break
		i=$((i + 1))
		sleep 0.1
	done
	[ -S $work/$1.sock ]
}

# 1. The test client: malformed requests, level interrupts.
if serve client; then
	"$vmdir/vu-client" $work/client.sock "$(attr vmb 1 pull)" 2>&1
	echo "client: exit $?"
	wait $backend
	echo "client: backend exit $?"
	sed 's/^/client backend: /' $work/client.log
else
	echo "client: not ok back-end did not start"
	cat $work/client.log
fi

# 2. The guest.
serve guest || { echo "host: not ok back-end did not start"; cat $work/guest.log; exit 1; }
mkfifo $work/in
exec 3<> $work/in
cr=$(printf '\r')
t0=$(date +%s)
timeout -k 5 300 qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	-machine pc -accel tcg,tb-size=64 -m 128M \
	-object memory-backend-memfd,id=mem,size=128M,share=on \
	-numa node,memdev=mem \
	-chardev socket,id=vgpio,path=$work/guest.sock \
	-device vhost-user-gpio-pci,chardev=vgpio,id=gpio \
	-kernel "$vmdir/bzImage" -initrd "$vmdir/initramfs.cpio" \
	-append "console=ttyS0 quiet panic=-1" \
	-serial stdio < $work/in 2>&1 |
while IFS= read -r line; do
	line=${line%"$cr"}
	reply="ack ok"
	case $line in
	"@names")
		want=$(gpioinfo "$chip" | sed -n 's/^[[:space:]]*line *[0-9]*:[[:space:]]*"\([^"]*\)".*/\1/p' | tr '\n' ' ')
		[ "vm: names ${want% }" = "$names" ] || reply="ack fail host names: ${want% }"
		# the parents' other lines stay free: only the aggregator holds lines
		for l in "vma 1" "vma 3" "vmb 0" "vmb 2"; do
			set -- $l
			schip=$(cat $cfs/gpio-sim/$1/bank0/chip_name)
			gpioinfo "$schip" | grep -q "line *$2:.*unused" ||
				reply="ack fail $1 line $2 is in use"
		done
		;;
	"@value "*)
		set -- ${line#@value }
		p=$(parent $1)
		got=$(cat "$(attr $p value)")
		[ "$got" = "$2" ] || reply="ack fail gpio-sim $p value $got, want $2"
		;;
	"@pull "*)
		set -- ${line#@pull }
		# shellcheck disable=SC2046 # parent gives two words: SIM OFFSET
		echo "$2" > "$(attr $(parent $1) pull)" || reply="ack fail pull"
		;;
	"@toggle "*)
		# shellcheck disable=SC2046
		f=$(attr $(parent ${line#@toggle }) pull)
		if [ "$(cat "$f")" = pull-up ]; then
			echo pull-down > "$f"
		else
			echo pull-up > "$f"
		fi
		;;
	"@nop") ;;
	"vm: names "*) names=$line; echo "$line"; echo "$line" >> $work/guest.out; continue ;;
	*) echo "$line"; echo "$line" >> $work/guest.out; continue ;;
	esac
	echo "$reply" >&3
	echo "host: $line -> $reply"
done
echo "run-vm: qemu ran $(( $(date +%s) - t0 )) s"
# gone PID: the process ends within 10 s
gone() {
	i=0
	while kill -0 $1 2>/dev/null && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	! kill -0 $1 2>/dev/null
}
if gone $backend && wait $backend && grep -q 'the VMM disconnected; exiting' $work/guest.log; then
	echo "host: ok the back-end exits, status 0, when QEMU leaves"
else
	echo "host: not ok the back-end exits, status 0, when QEMU leaves"
fi
sed 's/^/guest backend: /' $work/guest.log
# A guest without interrupts: only because the VMM turned the feature down.
if grep -q '^vm: no-irq' $work/guest.out; then
	if grep -q 'did not accept VIRTIO_GPIO_F_IRQ' $work/guest.log; then
		echo "host: ok no interrupts in the guest only because QEMU did not accept VIRTIO_GPIO_F_IRQ"
	else
		echo "host: not ok the guest has no interrupts though QEMU accepted VIRTIO_GPIO_F_IRQ"
	fi
fi

# 3. The chip goes away under a back-end: it exits, status 1, saying so.
if serve gone; then
	echo 0 > $agg/live
	if gone $backend; then
		wait $backend
		rc=$?
	else
		rc=running
	fi
	if [ "$rc" = 1 ] && grep -q 'went away' $work/gone.log; then
		echo "host: ok the back-end exits, status 1, when the chip goes away"
	else
		echo "host: not ok the back-end exits, status 1, when the chip goes away (status $rc)"
	fi
	sed 's/^/gone backend: /' $work/gone.log
else
	echo "host: not ok the back-end exits, status 1, when the chip goes away (no start)"
fi
echo "run-vm: done"
