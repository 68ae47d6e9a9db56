// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of gpio-aggregator.sh: time how long setting a GPIO line takes.
 *
 *   gpio-aggregator-timed-set <chip> <offset> <initial> <value>...
 *
 * Requests line <offset> of /dev/<chip> (or of the path <chip>) as an output
 * driving <initial>, then sets each <value> in turn and prints how long each
 * GPIO_V2_LINE_SET_VALUES_IOCTL took, in microseconds, one per line. Timing
 * inside one process leaves process start-up out of the measurement, which
 * matters on slow (UML, debug) test kernels. The libgpiod 1.6 tools cannot do
 * this: gpioset only ever sets the value it requests the line with.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/gpio.h>

static int parse_uint(const char *arg, unsigned long max, unsigned long *val)
{
	char *end;

	errno = 0;
	*val = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *val > max) {
		fprintf(stderr, "invalid number: %s\n", arg);
		return -1;
	}
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	struct gpio_v2_line_request req;
	struct gpio_v2_line_values vals;
	unsigned long offset, value;
	char path[256];
	uint64_t start;
	int cfd, i;

	if (argc < 5) {
		fprintf(stderr,
			"usage: %s <chip> <offset> <initial> <value>...\n",
			argv[0]);
		return 2;
	}

	if (strchr(argv[1], '/'))
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "/dev/%s", argv[1]);

	if (parse_uint(argv[2], UINT32_MAX, &offset) ||
	    parse_uint(argv[3], 1, &value))
		return 2;

	cfd = open(path, O_RDWR | O_CLOEXEC);
	if (cfd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return 1;
	}

	memset(&req, 0, sizeof(req));
	req.num_lines = 1;
	req.offsets[0] = offset;
	req.config.flags = GPIO_V2_LINE_FLAG_OUTPUT;
	req.config.num_attrs = 1;
	req.config.attrs[0].mask = 1;
	req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
	req.config.attrs[0].attr.values = value;
	snprintf(req.consumer, sizeof(req.consumer), "timed-set");

	if (ioctl(cfd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
		fprintf(stderr, "requesting line %lu: %s\n", offset,
			strerror(errno));
		return 1;
	}
	close(cfd);

	for (i = 4; i < argc; i++) {
		if (parse_uint(argv[i], 1, &value))
			return 2;

		memset(&vals, 0, sizeof(vals));
		vals.mask = 1;
		vals.bits = value;

		start = now_us();
		if (ioctl(req.fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0) {
			fprintf(stderr, "setting line %lu to %lu: %s\n",
				offset, value, strerror(errno));
			return 1;
		}
		printf("%llu\n", (unsigned long long)(now_us() - start));
	}

	close(req.fd);
	return 0;
}
