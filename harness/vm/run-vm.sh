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
#      "host: ok ...");
#   3. the back-end on SIGTERM and when its chip goes away;
#   4. the admin guide's VM walkthrough, run as written: its examples,
#      which vm.sh extracted to $WALK/doc (WALK in the environment).
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

# sim NAME LABEL PREFIX [N]: a gpio-sim chip of N lines (default 4) named
# PREFIX0, PREFIX1...
sim() {
	d=$cfs/gpio-sim/$1
	mkdir $d $d/bank0
	echo "${4:-4}" > $d/bank0/num_lines
	echo "$2" > $d/bank0/label
	i=0
	while [ $i -lt "${4:-4}" ]; do
		mkdir $d/bank0/line$i
		echo "$3$i" > $d/bank0/line$i/name
		i=$((i + 1))
	done
	echo 1 > $d/live
}
sim vma vm-sim-a a
sim vmb vm-sim-b b
# the latency controls: a line read directly, one through an aggregator
sim vmc vm-sim-c c

# The aggregator: line N -> parent, name
agg=$cfs/gpio-aggregator/vmtest
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
ctl=$cfs/gpio-aggregator/vmctl
mkdir $ctl $ctl/line0
echo vm-sim-c > $ctl/line0/key
echo 1 > $ctl/line0/offset
echo 1 > $ctl/live || { echo "host: not ok control aggregator"; exit 1; }
ctlchip=$(basename "/sys/bus/platform/devices/$(cat $ctl/dev_name)"/gpiochip*)

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

# serve NAME [OPTION]: start a back-end on $work/NAME.sock; waits for the socket.
serve() {
	rm -f $work/$1.sock
	"$vmdir/gpio-vhost-user" ${VU_VERBOSE:-} ${2:-} -s $work/$1.sock /dev/$chip 2> $work/$1.log &
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
	"$vmdir/vu-client" $work/client.sock "$(attr vmb 1 pull)" /dev/$chip 2>&1
	echo "client: exit $?"
	wait $backend
	echo "client: backend exit $?"
	sed 's/^/client backend: /' $work/client.log
else
	echo "client: not ok back-end did not start"
	cat $work/client.log
fi

# 2. The guest.
serve guest --timestamps || { echo "host: not ok back-end did not start"; cat $work/guest.log; exit 1; }
qemu=${QEMU:-qemu-system-x86_64}
qemu_version=$($qemu --version | head -n 1)
echo "run-vm: qemu $qemu: $qemu_version"
mkfifo $work/in
"$vmdir/edge-reader" "/dev/$(cat $cfs/gpio-sim/vmc/bank0/chip_name)" 0 > $work/direct &
direct=$!
"$vmdir/edge-reader" /dev/$ctlchip 0 > $work/aggregated &
aggregated=$!
exec 3<> $work/in
cr=$(printf '\r')
t0=$(date +%s)
timeout -k 5 300 $qemu -nodefaults -no-user-config -display none -no-reboot \
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
			to=pull-down
		else
			to=pull-up
		fi
		# the same edge at the controls' lines, then at the guest's
		echo $to > "$(attr vmc 0 pull)"
		echo $to > "$(attr vmc 1 pull)"
		echo $to > "$f"
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
grep -v ': request [0-9]* at \|: edge at ' $work/guest.log | sed 's/^/guest backend: /'

# The latency split of the guest's edges of line 2, on this kernel's
# clock, from the back-end's timestamps: each edge (the kernel's event
# timestamp), its read by the back-end, the used buffer, and the GET_VALUE
# the guest process sends right after reading the event.
# stats NAME: median, 90th percentile and max of the numbers on stdin (us).
stats() {
	sort -n | awk -v name="$1" '{ v[NR] = $1 }
		END { if (NR) printf "run-vm: latency %s median_us=%d p90_us=%d max_us=%d n=%d\n",
			name, v[int((NR + 1) / 2)] / 1000, v[int(NR * 0.9 + 0.5)] / 1000, v[NR] / 1000, NR }'
}
awk '/line 2: edge at / { e = $6; r = $10; u = $15; pending = 1; next }
	/line 2: request 4 at / && pending { print e, r, u, $7; pending = 0 }' \
	$work/guest.log > $work/split
kill $direct $aggregated
awk '{ print $2 - $1 }' $work/direct | stats control_gpio_sim_direct_kernel_to_read
awk '{ print $2 - $1 }' $work/aggregated | stats control_aggregated_kernel_to_read
awk '{ print $2 - $1 }' $work/split | stats kernel_to_backend
awk '{ print $3 - $2 }' $work/split | stats backend_read_to_used
awk '{ print $4 - $3 }' $work/split | stats used_to_guest_read_plus_request
awk '{ print $4 - $1 }' $work/split | stats edge_to_guest_read_plus_request
# The guest needs interrupts: a VMM that turned VIRTIO_GPIO_F_IRQ down
# (QEMU before 9.0) fails the test, saying so.
if grep -q 'did not accept VIRTIO_GPIO_F_IRQ' $work/guest.log; then
	echo "host: not ok QEMU did not accept VIRTIO_GPIO_F_IRQ: the guest has no interrupts ($qemu_version; 9.0 or later passes the feature on)"
fi

# SIGTERM (through the back-end's signalfd): it exits, status 0, saying so.
if serve term; then
	kill -TERM $backend
	if gone $backend; then
		wait $backend
		rc=$?
	else
		rc=running
	fi
	if [ "$rc" = 0 ] && grep -q 'signalled; exiting' $work/term.log && [ ! -e $work/term.sock ]; then
		echo "host: ok the back-end exits, status 0, on SIGTERM, and removes its socket"
	else
		echo "host: not ok the back-end exits, status 0, on SIGTERM, and removes its socket (status $rc)"
	fi
else
	echo "host: not ok the back-end exits, status 0, on SIGTERM (no start)"
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
# 4. The guide's walkthrough, as written, but for the chip's number and
#    the options of our guest in place of its "...". Every example is
#    there, or vm.sh has already failed.
examples=$WALK/doc
# walk_script NAME: the example, with the chip that vm-create printed
walk_script() {
	sed "s/gpiochip7/${wchip:-gpiochip7}/g" "$examples/example:$1" > $work/walk-$1.sh
}
# as_vmuser CMD...: run CMD as vmuser in the kernel tree
as_vmuser() {
	(cd "$SRCTREE" && setpriv --reuid=vmuser --regid=vmuser --init-groups "$@")
}
# A user vmuser (uid 1000, the guide's /run/user/1000), in copies of passwd
# and group mounted over the host's, which the read-only root does not let
# us change; the host's own user and group 1000, if any, are left out.
for f in passwd group; do
	awk -F: '$3 != 1000' /etc/$f > $work/$f
done
echo 'vmuser:x:1000:1000:VM user:/nonexistent:/usr/sbin/nologin' >> $work/passwd
echo 'vmuser:x:1000:' >> $work/group
mount --bind $work/passwd /etc/passwd && mount --bind $work/group /etc/group ||
	echo "host: not ok walkthrough: no user vmuser"
mkdir -p /run/user/1000
chown vmuser:vmuser /run/user/1000
chmod 0700 /run/user/1000
mkdir -p $work/bin
ln -sf "$(command -v $qemu)" $work/bin/qemu-system-x86_64
sim relays relay-board r 8

walk_script vm-create
wchip=$(sh -e $work/walk-vm-create.sh 2>&1)
want=$(sed 's/[0-9][0-9]*$/N/' "$examples/output:vm-create")
wdev=$(cat $cfs/gpio-aggregator/vm/dev_name 2>/dev/null)
if [ "$(echo "$wchip" | sed 's/[0-9][0-9]*$/N/')" = "$want" ] &&
	[ -e "/sys/bus/platform/devices/$wdev/$wchip" ]; then
	echo "host: ok walkthrough vm-create: aggregator $wdev, chip $wchip, as the guide's output ($want)"
else
	echo "host: not ok walkthrough vm-create printed '$wchip', not a chip of $wdev like the guide's $want"
fi
gpioinfo "$wchip"

walk_script vm-hand-over
out=$(sh -e $work/walk-vm-hand-over.sh 2>&1)
got=$(stat -c '%U %a' /dev/$wchip)
if [ -z "$out" ] && [ "$got" = "vmuser 600" ]; then
	echo "host: ok walkthrough vm-hand-over: /dev/$wchip is vmuser's, mode 600"
else
	echo "host: not ok walkthrough vm-hand-over: /dev/$wchip is '$got', not 'vmuser 600' ($out)"
fi

walk_script vm-backend
as_vmuser sh -e $work/walk-vm-backend.sh 2> $work/walk-backend.log &
backend=$!
sock=/run/user/1000/vgpio.sock
i=0
while [ ! -S $sock ] && [ $i -lt 100 ] && kill -0 $backend 2>/dev/null; do
	i=$((i + 1))
	sleep 0.1
done
if [ -S $sock ] && [ "$(stat -c %U $sock)" = vmuser ]; then
	echo "host: ok walkthrough vm-backend: the back-end runs as vmuser, socket $sock"
else
	echo "host: not ok walkthrough vm-backend: no socket $sock of vmuser"
	cat $work/walk-backend.log
fi

walk_script vm-qemu
sed -i "s|^ *\.\.\.\$|    -nodefaults -no-user-config -display none -no-reboot -machine pc -accel tcg -kernel $vmdir/bzImage -initrd $vmdir/initramfs.cpio -append 'console=ttyS0 quiet panic=-1 walkthrough' -serial stdio|" \
	$work/walk-vm-qemu.sh
PATH=$work/bin:$PATH timeout -k 5 300 setpriv --reuid=vmuser --regid=vmuser --init-groups \
	sh -c "cd $SRCTREE && sh -e $work/walk-vm-qemu.sh" < /dev/null 2>&1 | tr -d '\r' > $work/walk-guest.out
sed 's/^/walkthrough guest: /' $work/walk-guest.out
if grep -q '^vm: chip .* lines 2$' $work/walk-guest.out &&
	grep -q '^vm: names relay button$' $work/walk-guest.out; then
	echo "host: ok walkthrough vm-qemu: as vmuser, the guest sees one chip of 2 lines, relay and button"
else
	echo "host: not ok walkthrough vm-qemu: the guest did not see the chip's lines relay and button"
fi
if gone $backend && wait $backend && grep -q 'the VMM disconnected; exiting' $work/walk-backend.log; then
	echo "host: ok walkthrough: the back-end exits, status 0, when QEMU leaves"
else
	echo "host: not ok walkthrough: the back-end exits, status 0, when QEMU leaves"
fi
sed 's/^/walkthrough backend: /' $work/walk-backend.log
echo 0 > $cfs/gpio-aggregator/vm/live
rmdir $cfs/gpio-aggregator/vm/line0 $cfs/gpio-aggregator/vm/line1 $cfs/gpio-aggregator/vm
umount /etc/passwd /etc/group
echo "run-vm: done"
