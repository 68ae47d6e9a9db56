// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the VM test's guest (harness/vm.sh): drives the virtio-gpio
 * chip that gpio-vhost-user serves, with the GPIO v2 chardev ioctls.
 *
 * It talks to the host side (harness/vm/run-vm.sh) over the serial
 * console: a line "@CMD ARGS" asks the host to do or check something at the
 * gpio-sim lines behind the chip, and the host answers with one line
 * "ack ok" or "ack fail WHY". Results are lines "vm: ok NAME" or
 * "vm: not ok NAME", then "vm: done"; the guest then reboots, which ends
 * QEMU (-no-reboot).
 *
 * With "walkthrough" on the kernel command line (the admin guide's VM
 * walkthrough, run by run-vm.sh), it only prints the chip and its line
 * names, and asks nothing.
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

/* next_event: the next edge event within TIMEOUT_MS into EV; 1, or 0 if none. */
static int next_event(int fd, int timeout_ms, struct gpio_v2_line_event *ev)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	memset(ev, 0, sizeof(*ev));
	if (poll(&p, 1, timeout_ms) != 1)
		return 0;
	return read(fd, ev, sizeof(*ev)) == sizeof(*ev);
}

/* wait_edge: the id of the next edge event within TIMEOUT_MS, 0 if none. */
static int wait_edge(int fd, int timeout_ms)
{
	struct gpio_v2_line_event ev;

	return next_event(fd, timeout_ms, &ev) ? (int)ev.id : 0;
}

/* no_edge: 1 when no edge event is pending on FD. */
static int no_edge(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

/*
 * quiet_then_marker: a negative check that a late event cannot fool. No
 * event may come within QUIET_MS; then the host makes the marker edge
 * ("@MARKER"), which must be the very next event, of id WANT, with nothing
 * queued behind it. 1 when all of that holds; WHY says what failed.
 */
static int quiet_then_marker(int fd, int quiet_ms, const char *marker,
			     unsigned int want, const char **why)
{
	struct gpio_v2_line_event ev;

	if (next_event(fd, quiet_ms, &ev)) {
		*why = ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE ?
		       "a rising edge came in the quiet window" :
		       "a falling edge came in the quiet window";
		return 0;
	}
	if (!ask("%s", marker)) {
		*why = "the host could not make the marker edge";
		return 0;
	}
	if (!next_event(fd, 10000, &ev)) {
		*why = "the marker edge did not come";
		return 0;
	}
	if (ev.id != want) {
		*why = "the next event was not the marker edge";
		return 0;
	}
	if (!no_edge(fd)) {
		*why = "an event is queued behind the marker edge";
		return 0;
	}
	*why = "the next event was the marker edge";
	return 1;
}

/*
 * edge_latency: 200 edges of line 2, each asked of the host over the
 * console. Prints the round trip (ask, toggle, event read: an upper bound)
 * and, from the event's timestamp, the guest's own share (its kernel took
 * the interrupt, its process read the event). Right after each read, a
 * GET_VALUE tells the back-end (run with --timestamps) when the process
 * had the event, for run-vm.sh to split the path on the host's clock.
 */
static void edge_latency(int fd)
{
	static long long lat[200], own[200];
	struct gpio_v2_line_event ev;
	long long t0;
	unsigned int i;

	for (i = 0; i < 200; i++) {
		t0 = now_ns();
		if (!ask("toggle 2") || !next_event(fd, 10000, &ev))
			break;
		lat[i] = now_ns() - t0;
		own[i] = now_ns() - (long long)ev.timestamp_ns;
		get(fd);
	}
	if (i != 200) {
		result(0, "irq: edge latency run stopped after %u edges", i);
		return;
	}
	qsort(lat, 200, sizeof(lat[0]), cmp_ll);
	qsort(own, 200, sizeof(own[0]), cmp_ll);
	printf("vm: latency edge_roundtrip median_us=%lld p90_us=%lld max_us=%lld n=200\n",
	       lat[100] / 1000, lat[180] / 1000, lat[199] / 1000);
	printf("vm: latency guest_irq_to_read median_us=%lld p90_us=%lld max_us=%lld n=200\n",
	       own[100] / 1000, own[180] / 1000, own[199] / 1000);
	for (i = 0; i < 200; i++) {
		t0 = now_ns();
		ask("nop");
		lat[i] = now_ns() - t0;
	}
	qsort(lat, 200, sizeof(lat[0]), cmp_ll);
	printf("vm: latency console_roundtrip median_us=%lld p90_us=%lld max_us=%lld n=200\n",
	       lat[100] / 1000, lat[180] / 1000, lat[199] / 1000);
}

/* no_irq: the chip has no interrupts (the request for edges failed). */
static void no_irq(int err)
{
	result(0, "irq: a request for edge events fails (%s): the guest's chip has no interrupts, so the VMM did not negotiate VIRTIO_GPIO_F_IRQ (QEMU 9.0 or later passes it on)",
	       strerror(-err));
}

/*
 * edges: real processes waiting on the chardev get the edges made at the
 * gpio-sim lines, and only those they asked for. Line 3 (vm-rise) takes a
 * rising-only request, line 2 (vm-irq) a falling-only one and then one for
 * both edges. Both lines start low. -1 when the chip has no interrupts.
 */
static int edges(int chip)
{
	const char *why = "no request";
	int fd, v, ok;

	fd = request(chip, 3, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING, 0);
	if (fd < 0) {
		no_irq(fd);
		return -1;
	}
	v = ask("pull 3 pull-up") ? wait_edge(fd, 10000) : 0;
	result(v == GPIO_V2_LINE_EVENT_RISING_EDGE,
	       "irq: rising-only request: a rising edge reaches the guest process (%d)", v);
	ok = ask("pull 3 pull-down") &&
	     quiet_then_marker(fd, 500, "pull 3 pull-up", GPIO_V2_LINE_EVENT_RISING_EDGE, &why);
	result(ok, "irq: rising-only request: no falling edge within 500 ms (%s)", why);
	close(fd);

	fd = request(chip, 2, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_FALLING, 0);
	if (fd < 0) {
		no_irq(fd);
		return -1;
	}
	ok = ask("pull 2 pull-up") &&
	     quiet_then_marker(fd, 500, "pull 2 pull-down", GPIO_V2_LINE_EVENT_FALLING_EDGE, &why);
	result(ok, "irq: falling-only request: no rising edge within 500 ms (%s)", why);
	v = ask("pull 2 pull-up") && ask("pull 2 pull-down") ? wait_edge(fd, 10000) : 0;
	result(v == GPIO_V2_LINE_EVENT_FALLING_EDGE && no_edge(fd),
	       "irq: falling-only request: a falling edge reaches the guest process, and only it (%d)", v);
	close(fd);

	fd = request(chip, 2, GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
		     GPIO_V2_LINE_FLAG_EDGE_FALLING, 0);
	if (fd < 0) {
		no_irq(fd);
		return -1;
	}
	{
		struct gpio_v2_line_event up, down;

		ok = ask("pull 2 pull-up") && next_event(fd, 10000, &up) &&
		     ask("pull 2 pull-down") && next_event(fd, 10000, &down);
		result(ok && up.id == GPIO_V2_LINE_EVENT_RISING_EDGE &&
		       down.id == GPIO_V2_LINE_EVENT_FALLING_EDGE &&
		       down.timestamp_ns > up.timestamp_ns && down.line_seqno == up.line_seqno + 1 &&
		       no_edge(fd),
		       "irq: both-edges request: a rising then a falling edge, in order (%u %u)",
		       up.id, down.id);
	}
	edge_latency(fd);
	close(fd);
	return 0;
}

#define GIT "/sys/kernel/gpio_irq_test/"

/* git_write: write S to the test driver's attribute NAME; 0 or -errno. */
static int git_write(const char *name, const char *s)
{
	int fd = open(name, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * git_count: the test driver's handler runs once there are at least WANT,
 * or after MS without (sysfs_notify() wakes poll() at each run).
 */
static int git_count(int want, int ms)
{
	long long end = now_ns() + ms * 1000000LL;
	char buf[16];
	int fd, n = -1;

	fd = open(GIT "count", O_RDONLY);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		long long left = (end - now_ns()) / 1000000;
		ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);

		if (k <= 0)
			break;
		buf[k] = '\0';
		n = atoi(buf);
		if (n >= want || left <= 0)
			break;
		poll(&p, 1, left);
	}
	close(fd);
	return n;
}

/*
 * level: a kernel consumer of a level interrupt on line 1 (vm-in), through
 * the test driver: TRIG is "high" or "low", ON and OFF the pulls that make
 * the line active and inactive. Its threaded, oneshot handler waits for an
 * ack before it returns, so the line stays masked in between: a level held
 * fires once per unmask, never in a storm, and stops once released.
 */
static void level(const char *label, const char *trig, const char *on, const char *off)
{
	char req[64];
	int n, ret, ok;

	snprintf(req, sizeof(req), "%s 1 %s", label, trig);
	ok = ask("pull 1 %s", off);
	ret = ok ? git_write(GIT "request", req) : -1;
	/* inactive: none within 300 ms; then the level comes (the marker) */
	n = ret == 0 ? git_count(1, 300) : -1;
	ok = n == 0 && ask("pull 1 %s", on) && git_count(1, 10000) == 1;
	result(ok, "level-%s to a kernel consumer: no run while inactive (300 ms), one when the level comes (request %d, count %d)",
	       trig, ret, n);
	/* held: still 1 after 500 ms masked; each ack (unmask) one more run */
	n = ok ? git_count(2, 500) : -1;
	ok = n == 1 && git_write(GIT "ack", "1") == 0 && git_count(2, 10000) == 2 &&
	     git_count(3, 300) == 2 &&
	     git_write(GIT "ack", "1") == 0 && git_count(3, 10000) == 3;
	result(ok, "level-%s held: one handler run per unmask, none while masked (count %d after 500 ms held, then %d)",
	       trig, n, git_count(0, 0));
	/* released, then unmasked: nothing within 500 ms; the level again: one run */
	ok = ok && ask("pull 1 %s", off) && git_write(GIT "ack", "1") == 0;
	n = ok ? git_count(4, 500) : -1;
	ok = n == 3 && ask("pull 1 %s", on) && git_count(4, 10000) == 4;
	result(ok, "level-%s released: no run within 500 ms after the unmask, one when the level comes back (count %d, then %d)",
	       trig, n, git_count(0, 0));
	ask("pull 1 %s", off);
	git_write(GIT "release", "1");
}

/* walkthrough: "walkthrough" is a word of the kernel command line. */
static int walkthrough(void)
{
	char cmdline[512] = "", *word, *save;
	int fd = open("/proc/cmdline", O_RDONLY);

	if (fd < 0)
		return 0;
	if (read(fd, cmdline, sizeof(cmdline) - 1) < 0)
		cmdline[0] = '\0';
	close(fd);
	for (word = strtok_r(cmdline, " \n", &save); word;
	     word = strtok_r(NULL, " \n", &save))
		if (!strcmp(word, "walkthrough"))
			return 1;
	return 0;
}

int main(void)
{
	struct gpiochip_info info;
	struct termios t;
	long long lat[300], t0;
	unsigned int i, n;
	int chip, fd, ok;

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
	if (walkthrough())
		goto out;
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
		printf("vm: latency get_value median_us=%.0f p90_us=%.0f max_us=%.0f n=300\n",
		       lat[150] / per_us, lat[270] / per_us, lat[299] / per_us);
		close(fd);
	}

	if (edges(chip) < 0)
		goto out;
	level(info.label, "high", "pull-up", "pull-down");
	level(info.label, "low", "pull-down", "pull-up");

out:
	printf("vm: done failures=%d\n", failures);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
