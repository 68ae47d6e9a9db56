// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of gpio-aggregator.sh: hold a GPIO line and wait for its edges
 * until the line goes away, then say what reading the line gives.
 *
 *   gpio-aggregator-wait <chip> <offset>
 *
 * Requests line <offset> of /dev/<chip> (or of the path <chip>) as an input
 * with edge detection on both edges, prints "held", then prints "event" for
 * each edge it reads. When waiting fails (the chip went away), it prints
 * "wait: <error>", then reads the line's value through the same request and
 * prints "get: <error>", or "get: value=<v>" if that read succeeds, and
 * exits with status 0. The libgpiod 1.6 tools cannot read a line they hold
 * after a wait failed: gpiomon exits, and gpioget requests the line anew.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/gpio.h>

static int request_line(const char *chip, unsigned int offset)
{
	struct gpio_v2_line_request req;
	char path[256];
	int fd;

	if (strchr(chip, '/'))
		snprintf(path, sizeof(path), "%s", chip);
	else
		snprintf(path, sizeof(path), "/dev/%s", chip);

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return -1;
	}

	memset(&req, 0, sizeof(req));
	req.offsets[0] = offset;
	req.num_lines = 1;
	req.config.flags = GPIO_V2_LINE_FLAG_INPUT |
			   GPIO_V2_LINE_FLAG_EDGE_RISING |
			   GPIO_V2_LINE_FLAG_EDGE_FALLING;
	snprintf(req.consumer, sizeof(req.consumer), "agg-wait");

	if (ioctl(fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
		fprintf(stderr, "request line %u of %s: %s\n", offset, path,
			strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);

	return req.fd;
}

int main(int argc, char **argv)
{
	struct gpio_v2_line_values values = { .mask = 1 };
	struct gpio_v2_line_event event;
	struct pollfd pfd;
	char *end;
	unsigned long offset;
	ssize_t n;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <chip> <offset>\n", argv[0]);
		return 2;
	}
	offset = strtoul(argv[2], &end, 10);
	if (end == argv[2] || *end) {
		fprintf(stderr, "invalid offset: %s\n", argv[2]);
		return 2;
	}

	fd = request_line(argv[1], offset);
	if (fd < 0)
		return 1;
	printf("held\n");
	fflush(stdout);

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			printf("wait: %s\n", strerror(errno));
			break;
		}
		n = read(fd, &event, sizeof(event));
		if (n < 0) {
			printf("wait: %s\n", strerror(errno));
			break;
		}
		if (n != sizeof(event)) {
			printf("wait: short read of %zd bytes\n", n);
			break;
		}
		printf("event\n");
		fflush(stdout);
	}

	if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &values) < 0)
		printf("get: %s\n", strerror(errno));
	else
		printf("get: value=%d\n", (int)(values.bits & 1));
	close(fd);

	return 0;
}
