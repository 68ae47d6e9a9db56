// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the VM test's guest (harness/vm.sh): drives the virtio-gpio
 * chip that gpio-vhost-user serves, with the GPIO v2 chardev ioctls.
 *
 * It talks to the host side (harness/vm/conduct.sh) over the serial
 * console: a line "@CMD ARGS" asks the host to do or check something at the
 * gpio-sim lines behind the chip, and the host answers with one line
 * "ack ok" or "ack fail WHY". Results are lines "vm: ok NAME" or
 * "vm: not ok NAME", then "vm: done"; the guest then reboots, which ends
 * QEMU (-no-reboot).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <linux/gpio.h>

static int failures;

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("vm: %s ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* ask: send "@CMD" to the host and wait for its answer; 1 when "ack ok". */
static int ask(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	printf("@");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "ack ok", 6))
			return 1;
		if (!strncmp(line, "ack ", 4)) {
			printf("vm: # host: %s", line + 4);
			return 0;
		}
	}
	printf("vm: # no answer from the host\n");
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static unsigned long long rdtsc(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long long)hi << 32 | lo;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* request: one line, with FLAGS (and VALUE for an output); the request fd. */
static int request(int chip, unsigned int offset, unsigned long long flags,
		   int value)
{
	struct gpio_v2_line_request req;

	memset(&req, 0, sizeof(req));
	req.offsets[0] = offset;
	req.num_lines = 1;
	strcpy(req.consumer, "vm-test");
	req.config.flags = flags;
	if (flags & GPIO_V2_LINE_FLAG_OUTPUT) {
		req.config.num_attrs = 1;
		req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
		req.config.attrs[0].attr.values = value;
		req.config.attrs[0].mask = 1;
	}
	if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0)
		return -errno;
	return req.fd;
}

static int get(int fd)
{
	struct gpio_v2_line_values v = { .mask = 1 };

	if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0)
		return -errno;
	return v.bits & 1;
}

static int set(int fd, int value)
{
	struct gpio_v2_line_values v = { .mask = 1, .bits = value };

	return ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0 ? -errno : 0;
}

/* wait_edge: the id of the next edge event within TIMEOUT_MS, 0 if none. */
static int wait_edge(int fd, int timeout_ms)
{
	struct gpio_v2_line_event ev;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
		return -1;
	return ev.id;
}

/* no_edge: 1 when no edge event is pending on FD. */
static int no_edge(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

int main(void)
{
	struct gpiochip_info info;
	struct termios t;
	long long lat[300], t0;
	unsigned int i, n;
	int chip, fd, v, ok;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	/* answers come on the console: no echo, whole lines */
	if (tcgetattr(0, &t) == 0) {
		t.c_lflag &= ~(ECHO | ECHONL);
		t.c_lflag |= ICANON;
		t.c_iflag |= ICRNL;
		tcsetattr(0, TCSANOW, &t);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY);
	if (fd >= 0) {
		char cs[32] = "";

		if (read(fd, cs, sizeof(cs) - 1) > 0)
			printf("vm: clocksource %s", cs);
		close(fd);
	}

	chip = open("/dev/gpiochip0", O_RDWR);
	if (chip < 0 || ioctl(chip, GPIO_GET_CHIPINFO_IOCTL, &info) < 0) {
		result(0, "chip: no /dev/gpiochip0 in the guest (%s)", strerror(errno));
		goto out;
	}
	printf("vm: chip %s label %s lines %u\n", info.name, info.label, info.lines);
	n = info.lines;

	/* The guest's view: every line, its name and how it is set. */
	for (i = 0; i < n; i++) {
		struct gpio_v2_line_info li;

		memset(&li, 0, sizeof(li));
		li.offset = i;
		if (ioctl(chip, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0) {
			printf("vm: line %u: %s\n", i, strerror(errno));
			continue;
		}
		printf("vm: line %u: \"%s\" %s%s%s\n", i, li.name,
		       li.flags & GPIO_V2_LINE_FLAG_OUTPUT ? "output" : "input",
		       li.flags & GPIO_V2_LINE_FLAG_USED ? " used by " : " unused",
		       li.consumer);
	}
	printf("vm: names");
	for (i = 0; i < n; i++) {
		struct gpio_v2_line_info li;

		memset(&li, 0, sizeof(li));
		li.offset = i;
		if (ioctl(chip, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0)
			strcpy(li.name, "?");
		printf(" %s", li.name[0] ? li.name : "-");
	}
	printf("\n");
	result(ask("names"), "names: the guest's line names are the aggregator's");

	/* A line outside the chip cannot be reached. */
	fd = request(chip, n, GPIO_V2_LINE_FLAG_INPUT, 0);
	result(fd == -EINVAL, "unreachable: line %u (one past the last) is refused (%d)", n, fd);
	if (fd >= 0)
		close(fd);

	/* Line 0: set in the guest, seen at the gpio-sim line. */
	fd = request(chip, 0, GPIO_V2_LINE_FLAG_OUTPUT, 1);
	ok = fd >= 0 && ask("value 0 1");
	ok = ok && set(fd, 0) == 0 && ask("value 0 0");
	ok = ok && set(fd, 1) == 0 && ask("value 0 1");
	result(ok, "set: values set in the guest show at the gpio-sim line (%d)", fd);
	if (fd >= 0)
		close(fd);

	/* Line 1: a pull at the gpio-sim line, read in the guest. */
	fd = request(chip, 1, GPIO_V2_LINE_FLAG_INPUT, 0);
	ok = fd >= 0 && ask("pull 1 pull-up") && get(fd) == 1;
	ok = ok && ask("pull 1 pull-down") && get(fd) == 0;
	result(ok, "get: pulls at the gpio-sim line are read in the guest (%d)", fd);

	/*
	 * GET_VALUE round trip: guest ioctl, virtio, back-end, chardev, back.
	 * Timed with the TSC: under TCG the guest kernel cannot calibrate it
	 * and falls back to jiffies, so its rate is measured here against
	 * CLOCK_MONOTONIC over half a second (about 1% off).
	 */
	if (fd >= 0) {
		struct timespec half = { 0, 500000000 };
		unsigned long long c0 = rdtsc();
		double per_us;

		t0 = now_ns();
		nanosleep(&half, NULL);
		per_us = (rdtsc() - c0) * 1000.0 / (now_ns() - t0);
		for (i = 0; i < 300; i++) {
			c0 = rdtsc();
			get(fd);
			lat[i] = rdtsc() - c0;
		}
		qsort(lat, 300, sizeof(lat[0]), cmp_ll);
		printf("vm: latency get_value median_us=%.0f min_us=%.0f max_us=%.0f n=300\n",
		       lat[150] / per_us, lat[0] / per_us, lat[299] / per_us);
		close(fd);
	}

	/* Line 2: edges at the gpio-sim line reach a waiting guest process. */
	fd = request(chip, 2, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
		     GPIO_V2_LINE_FLAG_EDGE_FALLING, 0);
	if (fd == -ENXIO) {
		/*
		 * The chip has no interrupts: the VMM did not offer
		 * VIRTIO_GPIO_F_IRQ (QEMU 7.2 does not). The host side checks
		 * that from the features the VMM acknowledged.
		 */
		printf("vm: no-irq: the chip has no interrupts (ENXIO)\n");
		goto out;
	}
	ok = fd >= 0 && ask("pull 2 pull-up");
	v = ok ? wait_edge(fd, 10000) : 0;
	result(v == GPIO_V2_LINE_EVENT_RISING_EDGE, "irq: a rising edge reaches the guest (%d, request %d)", v, fd);
	ok = fd >= 0 && ask("pull 2 pull-down");
	v = ok ? wait_edge(fd, 10000) : 0;
	result(v == GPIO_V2_LINE_EVENT_FALLING_EDGE, "irq: a falling edge reaches the guest (%d)", v);

	/* Edge latency, an upper bound: ask, host toggles, the edge arrives. */
	for (i = 0; fd >= 0 && i < 200; i++) {
		t0 = now_ns();
		if (!ask("toggle 2") || wait_edge(fd, 10000) <= 0)
			break;
		lat[i] = now_ns() - t0;
	}
	if (i == 200) {
		qsort(lat, 200, sizeof(lat[0]), cmp_ll);
		printf("vm: latency edge_roundtrip median_us=%lld min_us=%lld max_us=%lld n=200\n",
		       lat[100] / 1000, lat[0] / 1000, lat[199] / 1000);
		for (i = 0; i < 200; i++) {
			t0 = now_ns();
			ask("nop");
			lat[i] = now_ns() - t0;
		}
		qsort(lat, 200, sizeof(lat[0]), cmp_ll);
		printf("vm: latency console_roundtrip median_us=%lld min_us=%lld max_us=%lld n=200\n",
		       lat[100] / 1000, lat[0] / 1000, lat[199] / 1000);
	} else {
		result(0, "irq: edge latency run stopped after %u edges", i);
	}
	if (fd >= 0)
		close(fd);

	/* Line 3, rising edges only: a falling edge must not come through. */
	fd = request(chip, 3, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING, 0);
	ok = fd >= 0 && ask("pull 3 pull-up") && wait_edge(fd, 10000) == GPIO_V2_LINE_EVENT_RISING_EDGE;
	ok = ok && ask("pull 3 pull-down") && ask("pull 3 pull-up") &&
	     wait_edge(fd, 10000) == GPIO_V2_LINE_EVENT_RISING_EDGE && no_edge(fd);
	result(ok, "irq: rising-only line sees rising edges and no falling one");
	if (fd >= 0)
		close(fd);

out:
	printf("vm: done failures=%d\n", failures);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
