// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of the GPIO v2 character device as a user or a VMM sees it:
 * tooling for `make bench`, not part of the product.
 *
 *   chardev-bench CHIP get|set ITERATIONS REPEATS OFFSET...
 *
 * Requests the lines at OFFSET... of CHIP (/dev/gpiochipN) as outputs,
 * times GPIO_V2_LINE_GET_VALUES_IOCTL or GPIO_V2_LINE_SET_VALUES_IOCTL on
 * all of them at once, and prints
 *
 *   ns_per_op=<median> min=<ns> max=<ns>
 *
 * Then sets the lines to a pattern and to its complement, and reads each
 * back. Exits with 1, saying why on stderr, when an ioctl fails or a read
 * does not give what was set; the line is printed only when all went well.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPEATS 101

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int request_lines(const char *chip, char **offsets, unsigned int num)
{
	struct gpio_v2_line_request req;
	unsigned int i;
	int fd, ret;

	fd = open(chip, O_RDWR);
	if (fd < 0) {
		perror(chip);
		return -1;
	}

	memset(&req, 0, sizeof(req));
	for (i = 0; i < num; i++)
		req.offsets[i] = strtoul(offsets[i], NULL, 10);
	req.num_lines = num;
	req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	strcpy(req.consumer, "chardev-bench");

	ret = ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req);
	close(fd);
	if (ret < 0) {
		perror("GPIO_V2_GET_LINE_IOCTL");
		return -1;
	}

	return req.fd;
}

/* Sets @mask's lines to two patterns; 0 when each read gives what was set */
static int check_values(int fd, unsigned long long mask)
{
	unsigned long long pattern = 0x9249249249249249ULL;
	struct gpio_v2_line_values vals;
	int round;

	for (round = 0; round < 2; round++, pattern = ~pattern) {
		vals.mask = mask;
		vals.bits = pattern & mask;
		if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0) {
			perror("GPIO_V2_LINE_SET_VALUES_IOCTL");
			return -1;
		}
		vals.bits = 0;
		if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &vals) < 0) {
			perror("GPIO_V2_LINE_GET_VALUES_IOCTL");
			return -1;
		}
		if (vals.bits != (pattern & mask)) {
			fprintf(stderr, "lines read back %#llx, set %#llx\n",
				(unsigned long long)vals.bits, pattern & mask);
			return -1;
		}
	}

	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long ns[MAX_REPEATS], t0;
	struct gpio_v2_line_values vals;
	unsigned int num, iters, repeats, r, i;
	int fd, set, ret;

	if (argc < 6) {
		fprintf(stderr, "usage: %s CHIP get|set ITERATIONS REPEATS OFFSET...\n",
			argv[0]);
		return 2;
	}

	set = !strcmp(argv[2], "set");
	iters = strtoul(argv[3], NULL, 10);
	repeats = strtoul(argv[4], NULL, 10);
	num = argc - 5;
	if ((!set && strcmp(argv[2], "get")) || !iters || !repeats ||
	    repeats > MAX_REPEATS || num > GPIO_V2_LINES_MAX) {
		fprintf(stderr, "%s: bad arguments\n", argv[0]);
		return 2;
	}

	fd = request_lines(argv[1], argv + 5, num);
	if (fd < 0)
		return 1;

	vals.mask = num == 64 ? ~0ULL : (1ULL << num) - 1;
	for (r = 0; r < repeats; r++) {
		t0 = now_ns();
		for (i = 0; i < iters; i++) {
			vals.bits = i & 1 ? vals.mask : 0;
			ret = ioctl(fd, set ? GPIO_V2_LINE_SET_VALUES_IOCTL :
					      GPIO_V2_LINE_GET_VALUES_IOCTL,
				    &vals);
			if (ret < 0) {
				perror("values ioctl");
				return 1;
			}
		}
		ns[r] = now_ns() - t0;
	}
	ret = check_values(fd, vals.mask);
	close(fd);
	if (ret)
		return 1;

	qsort(ns, repeats, sizeof(*ns), cmp_ull);
	printf("ns_per_op=%llu min=%llu max=%llu\n", ns[repeats / 2] / iters,
	       ns[0] / iters, ns[repeats - 1] / iters);

	return 0;
}
