// SPDX-License-Identifier: GPL-2.0
/*
 * edge-reader: a host process waiting for the edges of one line, for the
 * VM test's latency controls (harness/vm/run-vm.sh).
 *   edge-reader CHIP LINE
 * Requests LINE of CHIP (/dev/gpiochipN) for both edges and prints, for
 * each event, its kernel timestamp and the time it was read, in ns of
 * CLOCK_MONOTONIC: "EDGE_NS READ_NS". Runs until killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/gpio.h>

int main(int argc, char **argv)
{
	struct gpio_v2_line_request req;
	struct gpio_v2_line_event ev;
	struct timespec ts;
	int chip;

	if (argc != 3) {
		fprintf(stderr, "usage: edge-reader CHIP LINE\n");
		return 2;
	}
	chip = open(argv[1], O_RDONLY);
	memset(&req, 0, sizeof(req));
	req.offsets[0] = atoi(argv[2]);
	req.num_lines = 1;
	strcpy(req.consumer, "vm-edge-reader");
	req.config.flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
			   GPIO_V2_LINE_FLAG_EDGE_FALLING;
	if (chip < 0 || ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
		fprintf(stderr, "edge-reader: %s line %s: %s\n", argv[1], argv[2], strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (read(req.fd, &ev, sizeof(ev)) == sizeof(ev)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%llu %llu\n", (unsigned long long)ev.timestamp_ns,
		       ts.tv_sec * 1000000000ull + ts.tv_nsec);
	}
	return 0;
}
