// SPDX-License-Identifier: GPL-2.0
/*
 * vu-client: a vhost-user front-end for testing gpio-vhost-user, run by
 * harness/vm/run-vm.sh in the test kernel.
 *   vu-client SOCKET PULL_FILE CHIP
 * SOCKET is the back-end's socket; the chip it serves, CHIP, is the VM
 * test's aggregator (4 lines: vm-out, vm-in, vm-irq, vm-rise); PULL_FILE
 * is the gpio-sim "pull" file of the parent of line 1.
 *
 * It sets the device up as QEMU would, with "guest memory" of its own,
 * then sends bad vhost-user messages and malformed virtio requests and
 * checks each answer (an error status, a zero-length used buffer, a
 * refusal), that the back-end keeps serving, and level and edge
 * interrupts. Every "no interrupt within N ms" is followed by a marker
 * (an edge or level that must bring the waiting buffer back as the very
 * next used element), so that a late interrupt cannot pass for the next
 * one. Some checks stop the back-end (SIGSTOP) to line up events for one
 * epoll batch. Prints "client: ok NAME" / "client: not ok NAME" for each
 * check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/gpio.h>
#include <linux/virtio_gpio.h>
#include <linux/virtio_ring.h>

#define MEM_SIZE	(1 << 20)
#define GPA_BASE	0x40000000ull
#define QSIZE		8

struct hdr {
	uint32_t request, flags, size;
} __attribute__((packed));

struct msg {
	struct hdr h;
	uint8_t p[4096];
} __attribute__((packed));

struct queue {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen;
	int kick, call;
};

static int sock, failures;
static uint8_t *mem;		/* the "guest memory" */
static struct queue q[2];
static unsigned int alloc_off;
static const char *pull_file;
static int chip_fd;
static pid_t backend;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("client: %s ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static uint64_t gpa(void *p)
{
	return GPA_BASE + ((uint8_t *)p - mem);
}

static void *alloc(unsigned int len)
{
	void *p = mem + alloc_off;

	alloc_off += (len + 15) & ~15u;
	return p;
}

/* send_msg: a message with optional fds; the reply's u64 or payload when asked. */
static int send_msg(uint32_t req, uint32_t flags, const void *payload,
		    uint32_t size, int *fds, int nfds)
{
	char ctl[CMSG_SPACE(8 * sizeof(int))];
	struct msg m;
	struct iovec iov = { &m, sizeof(m.h) + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	m.h.request = req;
	m.h.flags = 1 | flags;
	m.h.size = size;
	memcpy(m.p, payload, size);
	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, 0) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* recv_reply: the next reply into M; its payload size, or -1 (none in 5 s). */
static int recv_reply(struct msg *m)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, 5000) != 1)
		return -1;
	n = recv(sock, &m->h, sizeof(m->h), MSG_WAITALL);
	if (n != sizeof(m->h) || m->h.size > sizeof(m->p))
		return -1;
	if (m->h.size && recv(sock, m->p, m->h.size, MSG_WAITALL) != m->h.size)
		return -1;
	return m->h.size;
}

/* request_ack: send with NEED_REPLY; the back-end's answer (0 ok), or -1. */
static int64_t request_ack(uint32_t req, const void *payload, uint32_t size,
			   int *fds, int nfds)
{
	struct msg m;
	uint64_t v;

	if (send_msg(req, 1u << 3, payload, size, fds, nfds) < 0 ||
	    recv_reply(&m) != 8)
		return -1;
	memcpy(&v, m.p, 8);
	return v;
}

static int64_t get_u64(uint32_t req)
{
	struct msg m;
	uint64_t v;

	if (send_msg(req, 0, NULL, 0, NULL, 0) < 0 || recv_reply(&m) != 8)
		return -1;
	memcpy(&v, m.p, 8);
	return v;
}

static int64_t set_u64(uint32_t req, uint64_t v, int fd)
{
	return request_ack(req, &v, 8, &fd, fd >= 0);
}

static int64_t set_state(uint32_t req, uint32_t index, uint32_t num)
{
	uint32_t s[2] = { index, num };

	return request_ack(req, s, 8, NULL, 0);
}

static int64_t set_addr(unsigned int i, uint64_t desc, uint64_t used, uint64_t avail)
{
	struct {
		uint32_t index, flags;
		uint64_t desc, used, avail, log;
	} __attribute__((packed)) a = { i, 0, desc, used, avail, 0 };

	return request_ack(9, &a, sizeof(a), NULL, 0);
}

/* submit: put a chain (descriptors already written at HEAD) on queue QI. */
static void submit(int qi, uint16_t head)
{
	uint64_t one = 1;

	q[qi].avail->ring[q[qi].avail_idx % QSIZE] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q[qi].avail->idx = ++q[qi].avail_idx;
	if (write(q[qi].kick, &one, 8) != 8)
		perror("kick");
}

/* wait_used: the next used element of queue QI within MS; -1 if none. */
static int wait_used(int qi, int ms, uint32_t *len)
{
	struct pollfd p = { .fd = q[qi].call, .events = POLLIN };
	uint64_t cnt;

	for (;;) {
		if (q[qi].used->idx != q[qi].used_seen) {
			struct vring_used_elem *e = &q[qi].used->ring[q[qi].used_seen % QSIZE];

			q[qi].used_seen++;
			*len = e->len;
			return e->id;
		}
		if (poll(&p, 1, ms) != 1)
			return -1;
		if (read(q[qi].call, &cnt, 8) != 8)
			return -1;
	}
}

/* desc: write descriptor I. */
static void desc(int qi, unsigned int i, void *buf, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	q[qi].desc[i].addr = gpa(buf);
	q[qi].desc[i].len = len;
	q[qi].desc[i].flags = flags;
	q[qi].desc[i].next = next;
}

static struct virtio_gpio_request *req_buf;
static uint8_t *res_buf;

/* gpio_req: one request; the response status (res_buf[1] the value), or -1. */
static int gpio_req(uint16_t type, uint16_t line, uint32_t value, uint32_t *len)
{
	uint32_t l;

	req_buf->type = type;
	req_buf->gpio = line;
	req_buf->value = value;
	memset(res_buf, 0xee, 2);
	desc(0, 0, req_buf, sizeof(*req_buf), VRING_DESC_F_NEXT, 1);
	desc(0, 1, res_buf, 2, VRING_DESC_F_WRITE, 0);
	submit(0, 0);
	if (wait_used(0, 5000, &l) != 0)
		return -1;
	if (len)
		*len = l;
	return res_buf[0];
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void pull(const char *how)
{
	FILE *f = fopen(pull_file, "w");

	if (!f || fputs(how, f) < 0 || fclose(f))
		check(0, "writing %s to %s", how, pull_file);
}

/* irq_buf: queue an event buffer for LINE at descriptors H and H + 1. */
static void irq_buf(uint16_t line, uint16_t *req, uint8_t *res, uint16_t h)
{
	*req = line;
	*res = 0xee;
	desc(1, h, req, 2, VRING_DESC_F_NEXT, h + 1);
	desc(1, h + 1, res, 1, VRING_DESC_F_WRITE, 0);
	submit(1, h);
}

/*
 * quiet_then_marker: no used element on the event queue within MS; then
 * MARKER, written to the pull file, must bring the buffer at HEAD back,
 * valid, as the very next used element.
 */
static int quiet_then_marker(int ms, const char *marker, int head, uint8_t *res)
{
	uint32_t len;

	if (wait_used(1, ms, &len) >= 0 || q[1].used->idx != q[1].used_seen)
		return 0;
	pull(marker);
	return wait_used(1, 5000, &len) == head && len == 1 &&
	       *res == VIRTIO_GPIO_IRQ_STATUS_VALID;
}

/* quiet: no used element on queue QI within MS, and none in the ring after. */
static int quiet(int qi, int ms)
{
	uint32_t len;

	return wait_used(qi, ms, &len) < 0 && q[qi].used->idx == q[qi].used_seen;
}

/* proc_stat: the back-end's state letter, and its CPU time in ticks. */
static char proc_stat(long *ticks)
{
	char path[64], buf[512], *p;
	unsigned long ut = 0, st = 0;
	char state = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)backend);
	f = fopen(path, "r");
	if (!f)
		return '?';
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&state, &ut, &st) == 3 && ticks)
			*ticks = ut + st;
	}
	fclose(f);
	return state;
}

/* stop_backend: SIGSTOP the back-end and wait until it is stopped. */
static int stop_backend(void)
{
	int i;

	if (kill(backend, SIGSTOP))
		return 0;
	for (i = 0; i < 500; i++) {
		if (proc_stat(NULL) == 'T')
			return 1;
		poll(NULL, 0, 10);
	}
	return 0;
}

/* line_flags: the GPIO v2 flags of a line of the chip, as the kernel sees them. */
static uint64_t line_flags(unsigned int line)
{
	struct gpio_v2_line_info li;

	memset(&li, 0, sizeof(li));
	li.offset = line;
	if (ioctl(chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0)
		return ~0ull;
	return li.flags;
}

#define EDGES (GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING)

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct msg m;
	uint32_t len;
	int memfd, i, st;
	int64_t v;

	/* a back-end that died fails the next check, not this program */
	signal(SIGPIPE, SIG_IGN);
	if (argc != 4) {
		fprintf(stderr, "usage: vu-client SOCKET PULL_FILE CHIP\n");
		return 2;
	}
	pull_file = argv[2];
	chip_fd = open(argv[3], O_RDONLY);
	if (chip_fd < 0) {
		check(0, "open %s: %s", argv[3], strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	strncpy(sa.sun_path, argv[1], sizeof(sa.sun_path) - 1);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		check(0, "connect to %s: %s", argv[1], strerror(errno));
		return 1;
	}
	{
		struct ucred cr;
		socklen_t crlen = sizeof(cr);

		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
			check(0, "SO_PEERCRED: %s", strerror(errno));
			return 1;
		}
		backend = cr.pid;
	}
	/* guest memory as QEMU's memory-backend-memfd makes it: sealed */
	memfd = memfd_create("guest", MFD_ALLOW_SEALING);
	if (memfd < 0 || ftruncate(memfd, MEM_SIZE) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return 1;
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		return 1;

	/* Set-up, as QEMU does it. */
	v = get_u64(1);
	check(v >= 0 && (v & (1ull << 30)) && (v & (1ull << 32)) && (v & 1),
	      "features: VERSION_1, PROTOCOL_FEATURES and the IRQ feature (0x%llx)",
	      (unsigned long long)v);
	send_msg(2, 0, &(uint64_t){ (1ull << 32) | (1ull << 30) | 1 }, 8, NULL, 0);
	v = get_u64(15);
	check(v >= 0 && (v & (1 << 9)) && (v & (1 << 3)),
	      "protocol features: CONFIG and REPLY_ACK (0x%llx)", (unsigned long long)v);
	send_msg(16, 0, &(uint64_t){ (1 << 9) | (1 << 3) }, 8, NULL, 0);
	check(request_ack(3, NULL, 0, NULL, 0) == 0, "SET_OWNER acknowledged");
	{
		uint32_t c[3] = { 0, 8, 0 };
		struct virtio_gpio_config cfg;

		send_msg(24, 0, c, sizeof(c), NULL, 0);
		st = recv_reply(&m);
		memcpy(&cfg, m.p + 12, sizeof(cfg));
		check(st == 20 && cfg.ngpio == 4 &&
		      cfg.gpio_names_size == sizeof("vm-out\0vm-in\0vm-irq\0vm-rise"),
		      "GET_CONFIG: 4 lines, names size %u", cfg.gpio_names_size);
		c[0] = 6;
		send_msg(24, 0, c, sizeof(c), NULL, 0);
		check(recv_reply(&m) == 12, "GET_CONFIG beyond the config space: answered without data");
	}
	{
		struct {
			uint32_t n, pad;
			uint64_t gpa, size, ua, off;
		} __attribute__((packed)) mt = { 1, 0, GPA_BASE, MEM_SIZE, (uintptr_t)mem, 0 };

		check(request_ack(5, &mt, sizeof(mt), &memfd, 1) == 0, "SET_MEM_TABLE acknowledged");
		mt.n = 9;
		check(request_ack(5, &mt, sizeof(mt), &memfd, 1) > 0,
		      "SET_MEM_TABLE of 9 regions refused");
		mt.n = 1;
		check(request_ack(5, &mt, sizeof(mt), NULL, 0) > 0,
		      "SET_MEM_TABLE without its fd refused");
	}
	for (i = 0; i < 2; i++) {
		q[i].desc = alloc(16 * QSIZE);
		q[i].avail = alloc(6 + 2 * QSIZE);
		q[i].used = alloc(6 + 8 * QSIZE);
		q[i].kick = eventfd(0, 0);
		q[i].call = eventfd(0, EFD_NONBLOCK);
		check(set_state(8, i, QSIZE) == 0, "queue %d: SET_VRING_NUM", i);
		check(set_addr(i, (uintptr_t)q[i].desc, (uintptr_t)q[i].used,
			       (uintptr_t)q[i].avail) == 0, "queue %d: SET_VRING_ADDR", i);
		check(set_state(10, i, 0) == 0, "queue %d: SET_VRING_BASE", i);
		check(set_u64(13, i, q[i].call) == 0, "queue %d: SET_VRING_CALL", i);
		check(set_u64(12, i, q[i].kick) == 0, "queue %d: SET_VRING_KICK", i);
		check(set_state(18, i, 1) == 0, "queue %d: SET_VRING_ENABLE", i);
	}
	/* Bad vhost-user messages: refused, nothing else changes. */
	check(set_state(8, 0, 3) > 0, "SET_VRING_NUM 3 (not a power of 2) refused");
	check(set_state(8, 0, 65536) > 0, "SET_VRING_NUM 65536 refused");
	check(set_state(8, 5, 8) > 0, "SET_VRING_NUM of queue 5 refused");
	check(set_addr(2, 0, 0, 0) > 0, "SET_VRING_ADDR of queue 2 refused");
	check(set_state(8, 0, QSIZE) == 0, "SET_VRING_NUM back to %d", QSIZE);
	check(set_addr(0, (uintptr_t)(mem + MEM_SIZE - 16 * QSIZE), (uintptr_t)q[0].used,
		       (uintptr_t)q[0].avail) == 0, "a ring ending at the end of guest memory");
	check(set_state(8, 0, 2 * QSIZE) > 0,
	      "SET_VRING_NUM that would run that ring past guest memory refused");
	check(set_state(8, 0, QSIZE) == 0 &&
	      set_addr(0, (uintptr_t)q[0].desc, (uintptr_t)q[0].used, (uintptr_t)q[0].avail) == 0,
	      "the ring back in place");
	check(request_ack(999, NULL, 0, NULL, 0) > 0, "unknown request 999 refused");
	check(request_ack(25, NULL, 0, NULL, 0) > 0, "SET_CONFIG refused (read-only)");
	check(set_u64(12, 7, q[0].kick) > 0, "SET_VRING_KICK of queue 7 refused");

	req_buf = alloc(sizeof(*req_buf));
	res_buf = alloc(256);

	/* Well-formed requests. */
	{
		static const char names[] = "vm-out\0vm-in\0vm-irq\0vm-rise";

		req_buf->type = VIRTIO_GPIO_MSG_GET_NAMES;
		req_buf->gpio = 0;
		req_buf->value = 0;
		desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 1);
		desc(0, 1, res_buf, 1 + sizeof(names), VRING_DESC_F_WRITE, 0);
		submit(0, 0);
		st = wait_used(0, 5000, &len);
		check(st == 0 && len == 1 + sizeof(names) && res_buf[0] == 0 &&
		      !memcmp(res_buf + 1, names, sizeof(names)),
		      "GET_NAMES: the aggregator's names (len %u)", len);
		desc(0, 1, res_buf, sizeof(names), VRING_DESC_F_WRITE, 0);
		submit(0, 0);
		st = wait_used(0, 5000, &len);
		check(st == 0 && res_buf[0] == 1, "GET_NAMES into a short buffer: error status");
	}
	check(gpio_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VIRTIO_GPIO_DIRECTION_IN, NULL) == 0,
	      "SET_DIRECTION in");
	pull("pull-up");
	check(gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) == 0 && res_buf[1] == 1 && len == 2,
	      "GET_VALUE reads the pull-up");
	check(gpio_req(VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 0, NULL) == 0 &&
	      res_buf[1] == VIRTIO_GPIO_DIRECTION_IN, "GET_DIRECTION: in");

	/* A memory table refused once the rings are placed leaves the old one. */
	{
		struct {
			uint32_t n, pad;
			uint64_t gpa, size, ua, off;
		} __attribute__((packed)) mt = { 1, 0, GPA_BASE, 0, (uintptr_t)mem, 0 };
		int small = memfd_create("small", MFD_ALLOW_SEALING);

		check(request_ack(5, &mt, sizeof(mt), &memfd, 1) > 0,
		      "SET_MEM_TABLE with an empty region refused");
		mt.size = MEM_SIZE;
		check(small >= 0 && ftruncate(small, 4096) == 0 &&
		      fcntl(small, F_ADD_SEALS, F_SEAL_SHRINK) == 0 &&
		      request_ack(5, &mt, sizeof(mt), &small, 1) > 0,
		      "SET_MEM_TABLE of a region larger than its file refused");
		if (small >= 0)
			close(small);
		check(gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) == 0 && res_buf[1] == 1,
		      "the rings still on the old memory table: GET_VALUE served");
	}
	/* A call fd whose reader is gone: no SIGPIPE, the back-end goes on. */
	{
		int p[2], ms;

		check(pipe(p) == 0 && set_u64(13, 0, p[1]) == 0,
		      "SET_VRING_CALL to a pipe");
		close(p[0]);
		close(p[1]);
		req_buf->type = VIRTIO_GPIO_MSG_GET_VALUE;
		req_buf->gpio = 1;
		desc(0, 0, req_buf, sizeof(*req_buf), VRING_DESC_F_NEXT, 1);
		desc(0, 1, res_buf, 2, VRING_DESC_F_WRITE, 0);
		submit(0, 0);
		/* no call comes: watch the used ring itself */
		for (ms = 0; ms < 5000 && q[0].used->idx == q[0].used_seen; ms++)
			poll(NULL, 0, 1);
		q[0].used_seen = q[0].used->idx;
		check(ms < 5000, "a request answered with the call pipe's reader gone");
		check(set_u64(13, 0, q[0].call) == 0,
		      "the back-end still there: SET_VRING_CALL back to the eventfd");
	}

	/* Malformed requests: an error status each. */
	check(gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 4, 0, &len) == 1 && len == 2,
	      "GET_VALUE of line 4 (one past the last): error");
	check(gpio_req(VIRTIO_GPIO_MSG_SET_VALUE, 65535, 1, NULL) == 1,
	      "SET_VALUE of line 65535: error");
	check(gpio_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 4, 1, NULL) == 1,
	      "SET_DIRECTION of line 4: error");
	check(gpio_req(0x99, 0, 0, NULL) == 1, "request type 0x99: error");
	check(gpio_req(0, 0, 0, NULL) == 1, "request type 0: error");
	check(gpio_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 0, 7, NULL) == 1,
	      "SET_DIRECTION 7: error");
	check(gpio_req(VIRTIO_GPIO_MSG_SET_VALUE, 0, 2, NULL) == 1, "SET_VALUE 2: error");
	check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, 5, NULL) == 1, "IRQ_TYPE 5: error");
	check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 9, 1, NULL) == 1, "IRQ_TYPE of line 9: error");

	memset(res_buf, 0xee, 2);
	desc(0, 0, req_buf, 4, VRING_DESC_F_NEXT, 1);
	desc(0, 1, res_buf, 2, VRING_DESC_F_WRITE, 0);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len >= 1 && res_buf[0] == 1,
	      "request of 4 bytes: error");
	desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 1);
	desc(0, 1, res_buf, 1, VRING_DESC_F_WRITE, 0);
	req_buf->type = VIRTIO_GPIO_MSG_GET_VALUE;
	req_buf->gpio = 1;
	memset(res_buf, 0xee, 2);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 1 && res_buf[0] == 1,
	      "response buffer of 1 byte: error status, length 1");
	desc(0, 0, req_buf, 8, 0, 0);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "no response buffer: used length 0");

	/* Malformed descriptor chains: returned unused (length 0). */
	q[0].desc[0].addr = GPA_BASE + MEM_SIZE - 4;
	q[0].desc[0].len = 8;
	q[0].desc[0].flags = VRING_DESC_F_NEXT;
	q[0].desc[0].next = 1;
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "buffer past the end of guest memory");
	desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 1);
	q[0].desc[1].addr = 0x1000;
	q[0].desc[1].len = 2;
	q[0].desc[1].flags = VRING_DESC_F_WRITE;
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "buffer outside guest memory");
	desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 1);
	q[0].desc[1].addr = 0xfffffffffffffff0ull;
	q[0].desc[1].len = 0x100;
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "buffer address wrapping around");
	desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 0);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "descriptor chain looping on itself");
	desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 1);
	desc(0, 1, res_buf, 2, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "descriptor chain looping over two");
	desc(0, 0, req_buf, 8, VRING_DESC_F_NEXT, 200);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "next index past the ring");
	desc(0, 0, req_buf, 16, VRING_DESC_F_INDIRECT, 0);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "indirect descriptor (not negotiated)");
	desc(0, 0, res_buf, 2, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(0, 1, req_buf, 8, 0, 0);
	submit(0, 0);
	check(wait_used(0, 5000, &len) == 0 && len == 0, "readable after writable descriptor");
	submit(0, 100);
	check(wait_used(0, 5000, &len) == 100 && len == 0, "head index 100 of an 8-entry ring");
	check(gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) == 0 && res_buf[1] == 1,
	      "after all that, GET_VALUE still served");

	/* Level interrupts on line 1 (its parent's pull is PULL_FILE). */
	{
		uint16_t *ireq = alloc(2);
		uint8_t *ires = alloc(1);
		uint16_t *ireq2 = alloc(2);
		uint8_t *ires2 = alloc(1);

		pull("pull-down");
		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH, NULL) == 0,
		      "IRQ_TYPE level-high");
		irq_buf(1, ireq, ires, 0);
		check(quiet_then_marker(300, "pull-up", 0, ires),
		      "level-high, line low: no interrupt within 300 ms; then the line goes high and the buffer comes back, valid (the marker)");
		irq_buf(1, ireq, ires, 0);
		check(wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_VALID,
		      "level-high: requeued while high, interrupt again");
		pull("pull-down");
		irq_buf(1, ireq, ires, 0);
		check(quiet(1, 300), "level-high: requeued when low, no interrupt within 300 ms");
		/* the marker: the next used element is this second buffer */
		irq_buf(1, ireq2, ires2, 2);
		check(wait_used(1, 5000, &len) == 2 && *ires2 == VIRTIO_GPIO_IRQ_STATUS_INVALID &&
		      *ires == 0xee,
		      "a second buffer for the line: returned invalid, the first still waiting");
		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW, NULL) == 0,
		      "IRQ_TYPE level-low");
		check(wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_VALID,
		      "level-low while low: the queued buffer fires");
		irq_buf(1, ireq, ires, 0);
		check(wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_VALID,
		      "level-low: requeued while low, interrupt again");
		pull("pull-up");
		irq_buf(1, ireq, ires, 0);
		check(quiet_then_marker(300, "pull-down", 0, ires),
		      "level-low, line high: no interrupt within 300 ms; then the line goes low and the buffer comes back, valid (the marker)");
		pull("pull-up");
		irq_buf(1, ireq, ires, 0);
		check(quiet(1, 300), "level-low, line high again: no interrupt within 300 ms");
		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE, NULL) == 0 &&
		      wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_INVALID,
		      "IRQ_TYPE none: the queued buffer comes back invalid (the marker)");
		irq_buf(9, ireq, ires, 0);
		check(wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_INVALID,
		      "interrupt buffer for line 9: invalid");
	}

	/* Edge interrupts on line 1. */
	{
		uint16_t *ireq = alloc(2);
		uint8_t *ires = alloc(1);
		long long lat[200], t0;
		int up;

		pull("pull-down");
		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, NULL) == 0,
		      "IRQ_TYPE edge-rising");
		irq_buf(1, ireq, ires, 0);
		check(quiet_then_marker(300, "pull-up", 0, ires),
		      "edge-rising, no edge: no interrupt within 300 ms; then a rising edge brings the buffer back (the marker)");
		irq_buf(1, ireq, ires, 0);
		pull("pull-down");
		check(quiet_then_marker(300, "pull-up", 0, ires),
		      "edge-rising: no interrupt on a falling edge within 300 ms; then the rising marker");
		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING, NULL) == 0,
		      "IRQ_TYPE edge-falling");
		irq_buf(1, ireq, ires, 0);
		pull("pull-down");
		check(wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_VALID,
		      "edge-falling: interrupt on a falling edge");
		irq_buf(1, ireq, ires, 0);
		pull("pull-up");
		check(quiet_then_marker(300, "pull-down", 0, ires),
		      "edge-falling: no interrupt on a rising edge within 300 ms; then the falling marker");

		/*
		 * An edge the kernel queued under the old setting, read after
		 * the type changed: with the back-end stopped, the guest asks
		 * for edge-rising and then the line falls (an edge-falling
		 * event); both wait for one epoll batch, the request first.
		 */
		pull("pull-up");	/* no event: edge-falling */
		req_buf->type = VIRTIO_GPIO_MSG_IRQ_TYPE;
		req_buf->gpio = 1;
		req_buf->value = VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING;
		memset(res_buf, 0xee, 2);
		desc(0, 0, req_buf, sizeof(*req_buf), VRING_DESC_F_NEXT, 1);
		desc(0, 1, res_buf, 2, VRING_DESC_F_WRITE, 0);
		st = stop_backend();
		submit(0, 0);
		pull("pull-down");
		poll(NULL, 0, 100);	/* the edge reaches the chardev */
		kill(backend, SIGCONT);
		check(st && wait_used(0, 5000, &len) == 0 && res_buf[0] == 0,
		      "IRQ_TYPE edge-rising sent while a falling edge waits in the kernel");
		irq_buf(1, ireq, ires, 0);
		check(quiet_then_marker(300, "pull-up", 0, ires),
		      "edge-rising after edge-falling: the falling edge queued under the old setting does not fire (none within 300 ms; then the rising marker)");

		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, NULL) == 0,
		      "IRQ_TYPE edge-both");
		pull("pull-down");
		/* the edge came while no buffer waited: it is kept for the next */
		irq_buf(1, ireq, ires, 0);
		check(wait_used(1, 5000, &len) == 0 && *ires == VIRTIO_GPIO_IRQ_STATUS_VALID,
		      "edge-both: an edge with no buffer waiting is delivered when one comes");
		up = 1;

		/* latency: a write to the gpio-sim pull until the used buffer */
		for (i = 0; i < 200; i++) {
			irq_buf(1, ireq, ires, 0);
			t0 = now_ns();
			pull(up ? "pull-up" : "pull-down");
			up = !up;
			if (wait_used(1, 5000, &len) != 0)
				break;
			lat[i] = now_ns() - t0;
		}
		check(i == 200, "edge-both: 200 edges delivered");
		if (i == 200) {
			qsort(lat, 200, sizeof(lat[0]), cmp_ll);
			printf("client: latency edge median_us=%lld min_us=%lld max_us=%lld n=200\n",
			       lat[100] / 1000, lat[0] / 1000, lat[199] / 1000);
		}
		for (i = 0; i < 300; i++) {
			t0 = now_ns();
			if (gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) != 0)
				break;
			lat[i % 200] = now_ns() - t0;
		}
		qsort(lat, 200, sizeof(lat[0]), cmp_ll);
		printf("client: latency get_value median_us=%lld min_us=%lld max_us=%lld n=200\n",
		       lat[100] / 1000, lat[0] / 1000, lat[199] / 1000);
		check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE, NULL) == 0,
		      "IRQ_TYPE none");
	}

	/*
	 * An interrupt on a line whose direction was never set (as a
	 * devicetree-described interrupt does it) and then IRQ_TYPE none:
	 * edge detection ends at the host line too.
	 */
	{
		uint64_t flags;

		st = gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, NULL);
		flags = line_flags(3);
		check(st == 0 && (flags & EDGES) == EDGES,
		      "IRQ_TYPE edge-both on line 3, no direction ever set: the host line detects both edges (flags 0x%llx)",
		      (unsigned long long)flags);
		st = gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_NONE, NULL);
		flags = line_flags(3);
		check(st == 0 && !(flags & EDGES) && (flags & GPIO_V2_LINE_FLAG_INPUT),
		      "IRQ_TYPE none on line 3: the host line is an input with edge detection off (flags 0x%llx)",
		      (unsigned long long)flags);
	}

	/* An output asked of a line with an interrupt type: an error, as it stays an input. */
	check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING, NULL) == 0,
	      "IRQ_TYPE edge-rising on line 2");
	st = gpio_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT, NULL);
	check(st == 1 && !(line_flags(2) & GPIO_V2_LINE_FLAG_OUTPUT),
	      "SET_DIRECTION out on a line with an interrupt type: error status (%d), still an input", st);
	check(gpio_req(VIRTIO_GPIO_MSG_IRQ_TYPE, 2, VIRTIO_GPIO_IRQ_TYPE_NONE, NULL) == 0 &&
	      gpio_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT, NULL) == 0 &&
	      (line_flags(2) & GPIO_V2_LINE_FLAG_OUTPUT),
	      "IRQ_TYPE none, then SET_DIRECTION out: an output");
	check(gpio_req(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_IN, NULL) == 0,
	      "line 2 back to an input");

	/* A kick pipe whose writer closed: dropped, no busy loop on EPOLLHUP. */
	{
		long t0 = 0, t1 = 0;
		int p[2];

		check(pipe(p) == 0 && set_u64(12, 0, p[0]) == 0, "SET_VRING_KICK to a pipe");
		close(p[0]);
		close(p[1]);
		proc_stat(&t0);
		poll(NULL, 0, 1000);
		proc_stat(&t1);
		check(t1 - t0 < 20,
		      "a kick pipe whose writer closed: the back-end used %ld of 100 ticks of CPU in 1 s",
		      t1 - t0);
		check(set_u64(12, 0, q[0].kick) == 0 &&
		      gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) == 0,
		      "SET_VRING_KICK back to the eventfd: GET_VALUE served");
	}

	/*
	 * A SET_VRING_KICK and a kick of the fd it replaces, in one epoll
	 * batch (the back-end stopped meanwhile): the stale kick must not
	 * block the back-end in a read of the new fd.
	 */
	{
		int kick2 = eventfd(0, 0), old = q[0].kick;
		uint64_t v64 = 0;

		st = stop_backend();
		send_msg(12, 1u << 3, &v64, 8, &kick2, 1);
		if (write(old, &(uint64_t){ 1 }, 8) != 8)
			perror("kick");
		kill(backend, SIGCONT);
		check(st && recv_reply(&m) == 8, "SET_VRING_KICK sent with a kick of the old fd in one batch");
		/* no kick of the new fd yet: it would end a blocked read */
		check(set_state(18, 0, 1) == 0,
		      "after that batch, the back-end answers SET_VRING_ENABLE (it does not wait in a read of the new kick fd)");
		q[0].kick = kick2;
		close(old);
		check(gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) == 0,
		      "after that batch, GET_VALUE served on the new kick fd");
	}

	/* A ring whose available index jumps past its size: left alone. */
	q[0].avail->idx = q[0].avail_idx + 100;
	if (write(q[0].kick, &(uint64_t){ 1 }, 8) != 8)
		perror("kick");
	check(quiet(0, 300), "available index 100 ahead: ring ignored (nothing used within 300 ms)");
	q[0].avail->idx = q[0].avail_idx;
	v = set_state(11, 0, 0);
	check(set_state(10, 0, q[0].avail_idx) == 0 && set_u64(12, 0, q[0].kick) == 0,
	      "ring restarted");
	check(gpio_req(VIRTIO_GPIO_MSG_GET_VALUE, 1, 0, &len) == 0,
	      "after the restart, GET_VALUE served");

	/*
	 * Guest memory that shrinks under the back-end: a file without
	 * F_SEAL_SHRINK is refused; if it were taken, touching it after the
	 * shrink would kill the back-end with SIGBUS.
	 */
	{
		struct {
			uint32_t n, pad;
			uint64_t gpa, size, ua, off;
		} __attribute__((packed)) mt = { 1, 0, GPA_BASE, MEM_SIZE, (uintptr_t)mem, 0 };
		int loose = memfd_create("loose", 0);
		int64_t ack;

		ack = loose >= 0 && write(loose, mem, MEM_SIZE) == MEM_SIZE ?
		      request_ack(5, &mt, sizeof(mt), &loose, 1) : -1;
		if (ack == 0) {
			/* taken: shrink it and make the back-end look at a ring */
			if (ftruncate(loose, 0) || write(q[0].kick, &(uint64_t){ 1 }, 8) != 8)
				perror("shrink");
			poll(NULL, 0, 300);
		}
		check(ack > 0 && set_state(18, 0, 1) == 0,
		      "a memory file that can shrink (no F_SEAL_SHRINK) refused, the back-end serving on (answer %lld)",
		      (long long)ack);
		if (loose >= 0)
			close(loose);
	}

	/* A payload shorter than its header says: the back-end gives up the VMM. */
	{
		struct hdr h = { 3, 1, 8 };
		struct pollfd pf = { .fd = sock, .events = POLLIN };
		char b[4] = { 0 };
		long long t0 = now_ns();

		if (send(sock, &h, sizeof(h), 0) != sizeof(h) || send(sock, b, 4, 0) != 4)
			perror("send");
		st = poll(&pf, 1, 5000) == 1 && recv(sock, b, 1, 0) == 0;
		check(st, "a message 4 bytes short of its payload: the back-end hangs up within 5 s (%lld ms)",
		      (now_ns() - t0) / 1000000);
	}

	printf("client: done failures=%d\n", failures);
	close(sock);
	return failures != 0;
}
