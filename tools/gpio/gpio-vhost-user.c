// SPDX-License-Identifier: GPL-2.0
/*
 * gpio-vhost-user: hand one GPIO character device (/dev/gpiochipN, e.g. a
 * gpio-aggregator chip) to a virtual machine as a virtio-gpio device,
 * through the vhost-user protocol (QEMU's vhost-user-gpio-pci device).
 *
 * One process, one chip, one VMM connection, one epoll loop: the vhost-user
 * socket, the two virtqueue kick eventfds and the chip's line requests
 * (whose edge events feed the event queue) are all waited on together.
 * Every request maps to the GPIO v2 chardev ioctls. The guest is not
 * trusted: descriptor chains, lengths, guest addresses and line numbers are
 * checked and a bad request gets an error status.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <linux/gpio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_gpio.h>
#include <linux/virtio_ring.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BIT(n)		(1u << (n))
#define BIT_ULL(n)	(1ull << (n))

/* vhost-user requests (front-end to back-end), by their protocol numbers */
enum {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

#define VU_VERSION		0x1
#define VU_FLAG_REPLY		BIT(2)
#define VU_FLAG_NEED_REPLY	BIT(3)
#define VU_F_PROTOCOL_FEATURES	30
#define VU_PROTOCOL_F_REPLY_ACK	3
#define VU_PROTOCOL_F_CONFIG	9
#define VU_VRING_NOFD		BIT_ULL(8)
#define VU_VRING_IDX_MASK	0xffull
#define VU_MAX_FDS		8
#define VU_MAX_REGIONS		8
#define VU_MAX_PAYLOAD		4096
#define VU_PAYLOAD_MS		1000	/* the longest wait for the rest of a message */

#define NUM_QUEUES		2
#define REQUEST_Q		0
#define EVENT_Q			1
#define MAX_QUEUE_SIZE		32768

/* How many lines one GPIO v2 line request may hold. */
#define LINES_PER_REQ		GPIO_V2_LINES_MAX

struct vu_header {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vu_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
};

struct vu_msg {
	struct vu_header hdr;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
		struct {
			uint32_t index;
			uint32_t flags;
			uint64_t desc;
			uint64_t used;
			uint64_t avail;
			uint64_t log;
		} addr;
		struct {
			uint32_t nregions;
			uint32_t padding;
			struct vu_region regions[VU_MAX_REGIONS];
		} mem;
		struct {
			uint32_t offset;
			uint32_t size;
			uint32_t flags;
			uint8_t data[256];
		} config;
		uint8_t raw[VU_MAX_PAYLOAD];
	} u;	/* travels right after the 12 bytes of hdr */
};

struct region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint8_t *host;		/* guest_addr maps here */
	void *map;
	size_t map_len;
};

struct vq {
	unsigned int num;
	uint64_t desc_ua, avail_ua, used_ua;
	bool addr_set;		/* SET_VRING_ADDR placed the ring */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;
	uint16_t used_idx;
	int kick, call, err;
	bool enabled;
	bool started;
	bool broken;
};

/* A readable or writable piece of a descriptor chain, in our memory. */
struct seg {
	uint8_t *p;
	uint32_t len;
};

#define MAX_SEGS 16

struct chain {
	uint16_t head;
	unsigned int nout, nin;
	struct seg out[MAX_SEGS], in[MAX_SEGS];
	uint32_t out_len, in_len;
};

struct line {
	char name[GPIO_MAX_NAME_SIZE];
	uint8_t irq_type;	/* VIRTIO_GPIO_IRQ_TYPE_* */
	uint8_t out_value;	/* value to drive when made an output */
	bool irq_latched;	/* an edge came while no buffer was queued */
	bool irq_queued;	/* an eventq buffer waits for this line */
	uint16_t irq_head;	/* ... its chain head */
	int dir;		/* VIRTIO_GPIO_DIRECTION_* the guest last set */
	uint64_t edge_ns;	/* the latched edge: the kernel's timestamp */
	uint64_t read_ns;	/* ... and when we read it (CLOCK_MONOTONIC) */
};

static struct {
	const char *chip_path;
	const char *sock_path;
	int verbose;
	int chip_fd;
	unsigned int ngpio;
	struct line *lines;
	int req_fd[(UINT16_MAX + 1) / LINES_PER_REQ];
	unsigned int nreq;
	uint8_t *names;		/* a GET_NAMES answer: status, then the names */
	uint32_t names_size;
	int epfd, listen_fd, conn_fd;
	uint64_t features, protocol_features;
	struct region regions[VU_MAX_REGIONS];
	unsigned int nregions;
	struct vq vqs[NUM_QUEUES];
	int exit_code;
	bool timestamps;	/* log the times of each interrupt */
} g = {
	.chip_fd = -1, .epfd = -1, .listen_fd = -1, .conn_fd = -1,
};

/*
 * Leave the loop. Only the loop sets it: SIGTERM and SIGINT come through a
 * signalfd, not a handler that would write it behind the loop's back.
 */
static bool stop;

/* epoll data: what became ready */
enum { EV_LISTEN, EV_CONN, EV_KICK0, EV_KICK1, EV_CHIP, EV_REQ, EV_SIGNAL };
#define EV(kind, idx) (((uint64_t)(idx) << 8) | (kind))

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("gpio-vhost-user: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

#define dbg(...) do { if (g.verbose) logmsg(__VA_ARGS__); } while (0)

static const char usage_text[] =
"Usage: %s [-v] [-t] -s SOCKET /dev/gpiochipN\n"
"\n"
"Serve the GPIO chip /dev/gpiochipN to a virtual machine as a virtio-gpio\n"
"device, with its line names, directions, values and interrupts (edge and\n"
"level), through a vhost-user socket created at SOCKET.\n"
"The back-end serves one VMM connection and exits when the VMM disconnects\n"
"or the chip goes away.\n"
"\n"
"  -s, --socket PATH   the vhost-user socket to listen on\n"
"  -v, --verbose       log every vhost-user message and virtio request\n"
"  -t, --timestamps    log when each edge interrupt happened, was read and\n"
"                      was handed to the guest, and when each request came\n"
"                      (CLOCK_MONOTONIC, ns)\n"
"  -h, --help          this help\n"
"\n"
"QEMU needs the guest memory shared with the back-end, e.g.:\n"
"\n"
"  qemu-system-x86_64 -m 256M \\\n"
"    -object memory-backend-memfd,id=mem,size=256M,share=on \\\n"
"    -numa node,memdev=mem \\\n"
"    -chardev socket,id=vgpio,path=SOCKET \\\n"
"    -device vhost-user-gpio-pci,chardev=vgpio,id=gpio \\\n"
"    ...\n"
"\n"
"The guest kernel needs CONFIG_GPIO_VIRTIO and CONFIG_VIRTIO_PCI.\n";

static void usage(FILE *f, const char *prog)
{
	fprintf(f, usage_text, prog);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- guest memory ---- */

static void unmap_regions(void)
{
	unsigned int i;

	for (i = 0; i < g.nregions; i++)
		munmap(g.regions[i].map, g.regions[i].map_len);
	g.nregions = 0;
}

/* gpa_to_host: LEN bytes of guest physical memory at GPA, or NULL. */
static void *gpa_to_host(uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < g.nregions; i++) {
		struct region *r = &g.regions[i];

		if (gpa >= r->guest_addr && gpa - r->guest_addr < r->size &&
		    len <= r->size - (gpa - r->guest_addr))
			return r->host + (gpa - r->guest_addr);
	}
	return NULL;
}

/* ua_to_host: LEN bytes at a front-end (VMM) virtual address, or NULL. */
static void *ua_to_host(uint64_t ua, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < g.nregions; i++) {
		struct region *r = &g.regions[i];

		if (ua >= r->user_addr && ua - r->user_addr < r->size &&
		    len <= r->size - (ua - r->user_addr))
			return r->host + (ua - r->user_addr);
	}
	return NULL;
}

/* ---- the chip ---- */

static void chip_gone(const char *what, int err)
{
	logmsg("the GPIO chip %s went away (%s: %s); exiting",
	       g.chip_path, what, strerror(err));
	stop = true;
	g.exit_code = 1;
}

static int req_of(unsigned int gpio, unsigned int *bit)
{
	*bit = gpio % LINES_PER_REQ;
	return g.req_fd[gpio / LINES_PER_REQ];
}

/* line_flags: the GPIO v2 flags for a line in its current virtio state. */
static uint64_t line_flags(struct line *l, int dir)
{
	uint64_t flags;

	if (l->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE)
		dir = VIRTIO_GPIO_DIRECTION_IN;
	switch (dir) {
	case VIRTIO_GPIO_DIRECTION_OUT:
		return GPIO_V2_LINE_FLAG_OUTPUT;
	case VIRTIO_GPIO_DIRECTION_IN:
		flags = GPIO_V2_LINE_FLAG_INPUT;
		switch (l->irq_type) {
		case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
		case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
			flags |= GPIO_V2_LINE_FLAG_EDGE_RISING;
			break;
		case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
		case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
			flags |= GPIO_V2_LINE_FLAG_EDGE_FALLING;
			break;
		case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
			flags |= GPIO_V2_LINE_FLAG_EDGE_RISING |
				 GPIO_V2_LINE_FLAG_EDGE_FALLING;
			break;
		}
		return flags;
	}
	return 0;
}

/* line_configure: apply a line's state; the other lines of its request stay. */
static int line_configure(unsigned int gpio, int dir)
{
	struct gpio_v2_line_config cfg;
	struct line *l = &g.lines[gpio];
	unsigned int bit;
	int fd = req_of(gpio, &bit);

	memset(&cfg, 0, sizeof(cfg));
	cfg.num_attrs = 2;
	cfg.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
	cfg.attrs[0].attr.flags = line_flags(l, dir);
	cfg.attrs[0].mask = 1ull << bit;
	cfg.attrs[1].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
	cfg.attrs[1].attr.values = (uint64_t)l->out_value << bit;
	cfg.attrs[1].mask = 1ull << bit;
	if (!cfg.attrs[0].attr.flags)
		return 0;	/* "none": leave the line as it is */
	if (ioctl(fd, GPIO_V2_LINE_SET_CONFIG_IOCTL, &cfg) < 0) {
		if (errno == ENODEV)
			chip_gone("set config", errno);
		dbg("line %u: set config: %s", gpio, strerror(errno));
		return -1;
	}
	return 0;
}

static int line_get(unsigned int gpio)
{
	struct gpio_v2_line_values v = { 0 };
	unsigned int bit;
	int fd = req_of(gpio, &bit);

	v.mask = 1ull << bit;
	if (ioctl(fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) {
		if (errno == ENODEV)
			chip_gone("get values", errno);
		return -1;
	}
	return !!(v.bits & v.mask);
}

static int line_direction(unsigned int gpio)
{
	struct gpio_v2_line_info info;

	memset(&info, 0, sizeof(info));
	info.offset = gpio;
	if (ioctl(g.chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &info) < 0) {
		if (errno == ENODEV)
			chip_gone("line info", errno);
		return -1;
	}
	if (info.flags & GPIO_V2_LINE_FLAG_OUTPUT)
		return VIRTIO_GPIO_DIRECTION_OUT;
	return VIRTIO_GPIO_DIRECTION_IN;
}

static int open_chip(void)
{
	struct gpiochip_info info;
	struct gpio_v2_line_request req;
	unsigned int i, r;
	uint8_t *p;

	g.chip_fd = open(g.chip_path, O_RDWR | O_CLOEXEC);
	if (g.chip_fd < 0) {
		logmsg("cannot open %s: %s", g.chip_path, strerror(errno));
		return -1;
	}
	if (ioctl(g.chip_fd, GPIO_GET_CHIPINFO_IOCTL, &info) < 0) {
		logmsg("%s is not a GPIO chip: %s", g.chip_path, strerror(errno));
		return -1;
	}
	if (!info.lines || info.lines > UINT16_MAX) {
		logmsg("%s has %u lines; virtio-gpio serves 1 to 65535",
		       g.chip_path, info.lines);
		return -1;
	}
	g.ngpio = info.lines;
	g.lines = calloc(g.ngpio, sizeof(*g.lines));
	if (!g.lines)
		return -1;

	/* GET_NAMES answers with every name, NUL-terminated, in line order. */
	g.names_size = 0;
	for (i = 0; i < g.ngpio; i++) {
		struct gpio_v2_line_info li;

		memset(&li, 0, sizeof(li));
		li.offset = i;
		if (ioctl(g.chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0) {
			logmsg("line %u of %s: %s", i, g.chip_path, strerror(errno));
			return -1;
		}
		memcpy(g.lines[i].name, li.name, sizeof(li.name));
		g.lines[i].name[sizeof(li.name) - 1] = '\0';
		g.lines[i].dir = VIRTIO_GPIO_DIRECTION_NONE;
		g.names_size += strlen(g.lines[i].name) + 1;
	}
	g.names = malloc(1 + g.names_size);
	if (!g.names)
		return -1;
	g.names[0] = VIRTIO_GPIO_STATUS_OK;
	for (i = 0, p = g.names + 1; i < g.ngpio; i++) {
		size_t n = strlen(g.lines[i].name) + 1;

		memcpy(p, g.lines[i].name, n);
		p += n;
	}

	/*
	 * Hold every line, 64 a request, without changing it: a line whose
	 * flags name no direction is left as it is.
	 */
	g.nreq = (g.ngpio + LINES_PER_REQ - 1) / LINES_PER_REQ;
	for (r = 0; r < g.nreq; r++) {
		memset(&req, 0, sizeof(req));
		for (i = 0; i < LINES_PER_REQ && r * LINES_PER_REQ + i < g.ngpio; i++)
			req.offsets[i] = r * LINES_PER_REQ + i;
		req.num_lines = i;
		snprintf(req.consumer, sizeof(req.consumer), "vhost-user-gpio");
		req.event_buffer_size = 16 * i;
		if (ioctl(g.chip_fd, GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
			logmsg("cannot request lines %u-%u of %s: %s",
			       r * LINES_PER_REQ, r * LINES_PER_REQ + i - 1,
			       g.chip_path, strerror(errno));
			return -1;
		}
		g.req_fd[r] = req.fd;
		/* events are read until none is left, e.g. at a type change */
		fcntl(req.fd, F_SETFL, fcntl(req.fd, F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

/* ---- virtqueues ---- */

/* vq_map: translate the ring addresses; false if any part is outside memory. */
static bool vq_map(struct vq *q)
{
	uint64_t n = q->num;

	q->desc = NULL;
	q->avail = NULL;
	q->used = NULL;
	if (!n)
		return false;
	q->desc = ua_to_host(q->desc_ua, 16 * n);
	q->avail = ua_to_host(q->avail_ua, 6 + 2 * n);
	q->used = ua_to_host(q->used_ua, 6 + 8 * n);
	if (q->desc && q->avail && q->used)
		return true;
	/* a ring that is not all in guest memory is not used at all */
	q->desc = NULL;
	q->avail = NULL;
	q->used = NULL;
	return false;
}

static void vq_notify(struct vq *q)
{
	uint64_t one = 1;

	if (q->call < 0 || !q->avail)
		return;
	if (le16toh(q->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT)
		return;
	if (write(q->call, &one, sizeof(one)) < 0)
		dbg("call: %s", strerror(errno));
}

static void vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!q->used)
		return;
	e = &q->used->ring[q->used_idx % q->num];

	e->id = htole32(head);
	e->len = htole32(len);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	q->used->idx = htole16(q->used_idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq_notify(q);
}

/*
 * vq_chain: collect the descriptor chain at HEAD into C. Readable pieces
 * must come before writable ones; every piece must lie in guest memory;
 * the chain must end within the ring's size. False on a malformed chain.
 */
static bool vq_chain(struct vq *q, uint16_t head, struct chain *c)
{
	unsigned int i = head, count = 0;

	memset(c, 0, sizeof(*c));
	c->head = head;
	if (!q->desc || head >= q->num)
		return false;
	for (;;) {
		struct vring_desc *d = &q->desc[i];
		uint16_t flags = le16toh(d->flags);
		uint32_t len = le32toh(d->len);
		uint8_t *p;

		if (++count > q->num || (flags & VRING_DESC_F_INDIRECT))
			return false;
		p = gpa_to_host(le64toh(d->addr), len);
		if (!p)
			return false;
		if (flags & VRING_DESC_F_WRITE) {
			if (c->nin == MAX_SEGS)
				return false;
			if (len > (1u << 24) - c->in_len)
				return false;
			c->in[c->nin++] = (struct seg){ p, len };
			c->in_len += len;
		} else {
			if (c->nin || c->nout == MAX_SEGS)
				return false;
			if (len > (1u << 24) - c->out_len)
				return false;
			c->out[c->nout++] = (struct seg){ p, len };
			c->out_len += len;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return true;
		i = le16toh(d->next);
		if (i >= q->num)
			return false;
	}
}

static void chain_read(struct chain *c, void *buf, uint32_t len)
{
	uint8_t *b = buf;
	unsigned int i;

	for (i = 0; i < c->nout && len; i++) {
		uint32_t n = c->out[i].len < len ? c->out[i].len : len;

		memcpy(b, c->out[i].p, n);
		b += n;
		len -= n;
	}
}

/* chain_write: copy LEN bytes into the writable pieces; returns bytes written. */
static uint32_t chain_write(struct chain *c, const void *buf, uint32_t len)
{
	const uint8_t *b = buf;
	uint32_t done = 0;
	unsigned int i;

	for (i = 0; i < c->nin && done < len; i++) {
		uint32_t n = c->in[i].len < len - done ? c->in[i].len : len - done;

		memcpy(c->in[i].p, b + done, n);
		done += n;
	}
	return done;
}

/*
 * vq_pop: the next available chain head, or -1 when there is none. A ring
 * whose available index runs more than its size ahead is broken: it is
 * left alone until the front-end resets it.
 */
static int vq_pop(struct vq *q)
{
	uint16_t avail_idx, head;

	if (!q->started || !q->enabled || q->broken || !q->desc)
		return -1;	/* vq_map() sets all three pointers or none */
	avail_idx = le16toh(q->avail->idx);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return -1;
	if ((uint16_t)(avail_idx - q->last_avail) > q->num) {
		logmsg("virtqueue %ld: avail index %u is %u ahead of %u entries; ignored",
		       (long)(q - g.vqs), avail_idx,
		       (uint16_t)(avail_idx - q->last_avail), q->num);
		q->broken = true;
		return -1;
	}
	head = le16toh(q->avail->ring[q->last_avail % q->num]);
	q->last_avail++;
	return head;
}

/* ---- interrupts (the event queue) ---- */

/* irq_complete: hand the line's queued event buffer back with STATUS. */
static void irq_complete(unsigned int gpio, uint8_t status)
{
	struct line *l = &g.lines[gpio];
	struct vq *q = &g.vqs[EVENT_Q];
	struct chain c;
	uint32_t len = 0;

	if (!l->irq_queued)
		return;
	l->irq_queued = false;
	if (vq_chain(q, l->irq_head, &c))
		len = chain_write(&c, &status, 1);
	vq_push(q, l->irq_head, len);
	dbg("line %u: interrupt buffer returned, status %u", gpio, status);
	/* for latency figures: the edge, its read, the used buffer */
	if (g.timestamps && status == VIRTIO_GPIO_IRQ_STATUS_VALID && l->edge_ns)
		logmsg("line %u: edge at %llu ns, read at %llu ns, buffer used at %llu ns",
		       gpio, (unsigned long long)l->edge_ns,
		       (unsigned long long)l->read_ns, (unsigned long long)now_ns());
	l->edge_ns = 0;
}

/* irq_check: deliver what is due on a line that has a buffer queued. */
static void irq_check(unsigned int gpio)
{
	struct line *l = &g.lines[gpio];
	int v;

	if (!l->irq_queued)
		return;
	switch (l->irq_type) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:
		irq_complete(gpio, VIRTIO_GPIO_IRQ_STATUS_INVALID);
		break;
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
		v = line_get(gpio);
		if (v < 0)
			break;
		if (v == !!(l->irq_type & VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH))
			irq_complete(gpio, VIRTIO_GPIO_IRQ_STATUS_VALID);
		break;
	default:
		if (l->irq_latched) {
			l->irq_latched = false;
			irq_complete(gpio, VIRTIO_GPIO_IRQ_STATUS_VALID);
		}
		break;
	}
}

static void process_eventq(void)
{
	struct vq *q = &g.vqs[EVENT_Q];
	struct chain c;
	uint16_t gpio;
	uint8_t bad = VIRTIO_GPIO_IRQ_STATUS_INVALID;
	int head;

	while ((head = vq_pop(q)) >= 0) {
		if (!vq_chain(q, head, &c)) {
			logmsg("eventq: malformed descriptor chain at %d", head);
			vq_push(q, head, 0);
			continue;
		}
		if (c.out_len != sizeof(gpio) || c.in_len < 1) {
			logmsg("eventq: request of %u bytes, response of %u: want 2 and 1",
			       c.out_len, c.in_len);
			vq_push(q, head, chain_write(&c, &bad, 1));
			continue;
		}
		chain_read(&c, &gpio, sizeof(gpio));
		gpio = le16toh(gpio);
		if (gpio >= g.ngpio || g.lines[gpio].irq_queued ||
		    g.lines[gpio].irq_type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
			dbg("eventq: buffer for line %u refused", gpio);
			vq_push(q, head, chain_write(&c, &bad, 1));
			continue;
		}
		g.lines[gpio].irq_queued = true;
		g.lines[gpio].irq_head = head;
		irq_check(gpio);
	}
}

/* line_event: one edge event of line request R, read at READ_NS. */
static void line_event(unsigned int r, const struct gpio_v2_line_event *ev,
		       uint64_t read_ns)
{
	/* the offset of the line on the chip, not in the request */
	unsigned int gpio = ev->offset;
	struct line *l;

	if (gpio >= g.ngpio || gpio / LINES_PER_REQ != r)
		return;
	l = &g.lines[gpio];
	dbg("line %u: %s edge", gpio,
	    ev->id == GPIO_V2_LINE_EVENT_RISING_EDGE ? "rising" : "falling");
	switch (l->irq_type) {
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
		if (!l->irq_latched) {
			l->edge_ns = ev->timestamp_ns;
			l->read_ns = read_ns;
		}
		l->irq_latched = true;
		break;
	}
	irq_check(gpio);
}

/*
 * read_events: read the edge events waiting on line request R; those of
 * line SKIP (or none: -1) stamped at or before SKIP_NS are dropped. False
 * when none was waiting.
 */
static bool read_events(unsigned int r, int skip, uint64_t skip_ns)
{
	struct gpio_v2_line_event ev[16];
	uint64_t t;
	ssize_t n;
	unsigned int i;

	n = read(g.req_fd[r], ev, sizeof(ev));
	if (n < 0) {
		if (errno == ENODEV)
			chip_gone("line events", errno);
		else if (errno != EAGAIN && errno != EINTR)
			logmsg("line events: %s", strerror(errno));
		return false;
	}
	t = now_ns();
	for (i = 0; i < n / sizeof(ev[0]); i++) {
		if ((int)ev[i].offset == skip && ev[i].timestamp_ns <= skip_ns) {
			dbg("line %u: edge of the old interrupt type dropped", skip);
			continue;
		}
		line_event(r, &ev[i], t);
	}
	return n > 0;
}

/* line_events: read the edge events of one line request. */
static void line_events(unsigned int r)
{
	read_events(r, -1, 0);
}

/*
 * drain_old_edges: the kernel may hold edges of GPIO that it saw under the
 * line's old edge setting and that we did not read yet: drop them, so that
 * they do not fire under the new interrupt type (the other lines' edges
 * are handled as they come).
 */
static void drain_old_edges(unsigned int gpio)
{
	uint64_t t = now_ns();

	while (!stop && read_events(gpio / LINES_PER_REQ, gpio, t))
		;
}

/* ---- requests (the request queue) ---- */

/* gpio_request: carry out one request; returns the status, fills *value. */
static uint8_t gpio_request(uint16_t type, uint16_t gpio, uint32_t value,
			    uint8_t *out)
{
	struct line *l;
	int v, dir;

	if (gpio >= g.ngpio) {
		dbg("request %u for line %u of %u", type, gpio, g.ngpio);
		return VIRTIO_GPIO_STATUS_ERR;
	}
	l = &g.lines[gpio];
	switch (type) {
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
		v = line_direction(gpio);
		if (v < 0)
			return VIRTIO_GPIO_STATUS_ERR;
		*out = v;
		return VIRTIO_GPIO_STATUS_OK;
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		if (value > VIRTIO_GPIO_DIRECTION_IN)
			return VIRTIO_GPIO_STATUS_ERR;
		/*
		 * A line with an interrupt type is an input: refuse to make it
		 * an output rather than answer OK and leave it an input.
		 */
		if (value == VIRTIO_GPIO_DIRECTION_OUT &&
		    l->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE) {
			dbg("line %u: an output with interrupt type %u refused",
			    gpio, l->irq_type);
			return VIRTIO_GPIO_STATUS_ERR;
		}
		if (line_configure(gpio, value) < 0)
			return VIRTIO_GPIO_STATUS_ERR;
		l->dir = value;
		return VIRTIO_GPIO_STATUS_OK;
	case VIRTIO_GPIO_MSG_GET_VALUE:
		v = line_get(gpio);
		if (v < 0)
			return VIRTIO_GPIO_STATUS_ERR;
		*out = v;
		return VIRTIO_GPIO_STATUS_OK;
	case VIRTIO_GPIO_MSG_SET_VALUE: {
		struct gpio_v2_line_values vals;
		unsigned int bit;
		int fd = req_of(gpio, &bit);

		if (value > 1)
			return VIRTIO_GPIO_STATUS_ERR;
		/* Kept for an input too: the guest sets the value before the direction. */
		l->out_value = value;
		if (line_direction(gpio) != VIRTIO_GPIO_DIRECTION_OUT)
			return VIRTIO_GPIO_STATUS_OK;
		vals.mask = 1ull << bit;
		vals.bits = (uint64_t)value << bit;
		if (ioctl(fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &vals) < 0) {
			if (errno == ENODEV)
				chip_gone("set values", errno);
			return VIRTIO_GPIO_STATUS_ERR;
		}
		return VIRTIO_GPIO_STATUS_OK;
	}
	case VIRTIO_GPIO_MSG_IRQ_TYPE:
		if (!(g.features & BIT_ULL(VIRTIO_GPIO_F_IRQ)))
			return VIRTIO_GPIO_STATUS_ERR;
		switch (value) {
		case VIRTIO_GPIO_IRQ_TYPE_NONE:
		case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
		case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
		case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
		case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
		case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
			break;
		default:
			return VIRTIO_GPIO_STATUS_ERR;
		}
		l->irq_type = value;
		/*
		 * The interrupt made the line an input: without a type, it
		 * goes back to the direction the guest set, or stays an input
		 * with edge detection off when the guest never set one (a
		 * devicetree-described interrupt never does).
		 */
		dir = VIRTIO_GPIO_DIRECTION_IN;
		if (value == VIRTIO_GPIO_IRQ_TYPE_NONE && l->dir != VIRTIO_GPIO_DIRECTION_NONE)
			dir = l->dir;
		v = line_configure(gpio, dir);
		drain_old_edges(gpio);
		l->irq_latched = false;
		l->edge_ns = 0;
		if (v < 0) {
			l->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
			irq_check(gpio);
			return VIRTIO_GPIO_STATUS_ERR;
		}
		irq_check(gpio);
		return VIRTIO_GPIO_STATUS_OK;
	}
	dbg("unknown request type %u", type);
	return VIRTIO_GPIO_STATUS_ERR;
}

static void process_requestq(void)
{
	struct vq *q = &g.vqs[REQUEST_Q];
	struct virtio_gpio_request req;
	struct virtio_gpio_response res;
	struct chain c;
	int head;

	while (!stop && (head = vq_pop(q)) >= 0) {
		uint16_t type;

		if (!vq_chain(q, head, &c)) {
			logmsg("requestq: malformed descriptor chain at %d", head);
			vq_push(q, head, 0);
			continue;
		}
		res.status = VIRTIO_GPIO_STATUS_ERR;
		res.value = 0;
		if (c.out_len != sizeof(req)) {
			logmsg("requestq: request of %u bytes, not %zu",
			       c.out_len, sizeof(req));
			vq_push(q, head, chain_write(&c, &res, sizeof(res)));
			continue;
		}
		chain_read(&c, &req, sizeof(req));
		type = le16toh(req.type);
		if (type == VIRTIO_GPIO_MSG_GET_NAMES) {
			/* the status byte, then the names */
			if (c.in_len < 1 + g.names_size) {
				logmsg("requestq: GET_NAMES response of %u bytes, need %u",
				       c.in_len, 1 + g.names_size);
				vq_push(q, head, chain_write(&c, &res, 1));
				continue;
			}
			vq_push(q, head, chain_write(&c, g.names, 1 + g.names_size));
			continue;
		}
		if (c.in_len < sizeof(res)) {
			logmsg("requestq: response of %u bytes, need %zu",
			       c.in_len, sizeof(res));
			vq_push(q, head, chain_write(&c, &res, sizeof(res)));
			continue;
		}
		if (g.timestamps)
			logmsg("line %u: request %u at %llu ns", le16toh(req.gpio),
			       type, (unsigned long long)now_ns());
		res.status = gpio_request(type, le16toh(req.gpio),
					  le32toh(req.value), &res.value);
		dbg("request type %u line %u value %u: status %u value %u",
		    type, le16toh(req.gpio), le32toh(req.value),
		    res.status, res.value);
		vq_push(q, head, chain_write(&c, &res, sizeof(res)));
	}
}

/* ---- vhost-user ---- */

/* close_fds: close the file descriptors of a message, once. */
static void close_fds(int *fds, int nfds)
{
	while (nfds--) {
		if (fds[nfds] >= 0)
			close(fds[nfds]);
		fds[nfds] = -1;
	}
}

/*
 * vu_read_payload: the payload that follows a header. It comes in the same
 * write as the header from any real VMM: one that sends less than the
 * header announced within VU_PAYLOAD_MS is given up rather than waited for
 * (the stream cannot be resynchronised anyway).
 */
static bool vu_read_payload(struct vu_msg *m)
{
	struct pollfd p = { .fd = g.conn_fd, .events = POLLIN };
	uint32_t n = 0;

	while (n < m->hdr.size) {
		ssize_t k;

		if (poll(&p, 1, VU_PAYLOAD_MS) != 1) {
			logmsg("vhost-user: message %u: %u of its %u payload bytes in %d ms",
			       m->hdr.request, n, m->hdr.size, VU_PAYLOAD_MS);
			return false;
		}
		k = read(g.conn_fd, m->u.raw + n, m->hdr.size - n);
		if (k <= 0)
			return false;
		n += k;
	}
	return true;
}

/* vu_read: one message and its file descriptors; false when the VMM is gone. */
static bool vu_read(struct vu_msg *m, int *fds, int *nfds)
{
	char ctl[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = { &m->hdr, sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm;
	ssize_t n;

	*nfds = 0;
	n = recvmsg(g.conn_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return false;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (k > VU_MAX_FDS - *nfds)
				k = VU_MAX_FDS - *nfds;
			memcpy(fds + *nfds, CMSG_DATA(cm), k * sizeof(int));
			*nfds += k;
		}
	}
	if (n == 0)
		return false;
	if (n != sizeof(m->hdr) || (mh.msg_flags & MSG_CTRUNC)) {
		logmsg("vhost-user: bad message header (%zd bytes)", n);
		close_fds(fds, *nfds);
		return false;
	}
	if (m->hdr.size > sizeof(m->u)) {
		logmsg("vhost-user: message %u with a %u-byte payload",
		       m->hdr.request, m->hdr.size);
		close_fds(fds, *nfds);
		return false;
	}
	if (!vu_read_payload(m)) {
		close_fds(fds, *nfds);
		return false;
	}
	return true;
}

static void vu_reply(struct vu_msg *m, uint32_t size)
{
	struct iovec iov[2] = {
		{ &m->hdr, sizeof(m->hdr) }, { &m->u, size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	m->hdr.flags = VU_VERSION | VU_FLAG_REPLY;
	m->hdr.size = size;
	n = sendmsg(g.conn_fd, &mh, MSG_NOSIGNAL);
	if (n != (ssize_t)(sizeof(m->hdr) + size))
		logmsg("vhost-user: reply to %u: %s", m->hdr.request,
		       n < 0 ? strerror(errno) : "short write");
}

static void vu_reply_u64(struct vu_msg *m, uint64_t v)
{
	m->u.u64 = v;
	vu_reply(m, sizeof(m->u.u64));
}

static int vu_set_mem_table(struct vu_msg *m, int *fds, int nfds)
{
	struct region regions[VU_MAX_REGIONS];
	uint32_t n = m->u.mem.nregions, i;

	if (m->hdr.size < 8 || n > VU_MAX_REGIONS ||
	    m->hdr.size < 8 + n * sizeof(struct vu_region) || (int)n != nfds) {
		logmsg("vhost-user: memory table of %u regions with %d fds", n, nfds);
		return -1;
	}
	/* The new table is mapped aside: a refused one leaves the old. */
	for (i = 0; i < n; i++) {
		struct vu_region *vr = &m->u.mem.regions[i];
		struct region *r = &regions[i];
		uint64_t len = vr->mmap_offset + vr->size;
		struct stat st;
		void *map;
		int seals;

		if (!vr->size || len < vr->size || len > SIZE_MAX ||
		    vr->guest_addr + vr->size < vr->guest_addr ||
		    vr->user_addr + vr->size < vr->user_addr) {
			logmsg("vhost-user: bad memory region %u", i);
			goto fail;
		}
		/*
		 * Touching a page past the end of the file would be SIGBUS: the
		 * file must be large enough now and must not shrink later.
		 */
		if (fstat(fds[i], &st) || (S_ISREG(st.st_mode) && (uint64_t)st.st_size < len)) {
			logmsg("vhost-user: memory region %u is larger than its file", i);
			goto fail;
		}
		/* QEMU's memory-backend-memfd seals it (seal=on, the default) */
		seals = fcntl(fds[i], F_GET_SEALS);
		if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
			logmsg("vhost-user: memory region %u: no F_SEAL_SHRINK on its file", i);
			goto fail;
		}
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (map == MAP_FAILED) {
			logmsg("vhost-user: cannot map memory region %u: %s",
			       i, strerror(errno));
			goto fail;
		}
		r->guest_addr = vr->guest_addr;
		r->size = vr->size;
		r->user_addr = vr->user_addr;
		r->map = map;
		r->map_len = len;
		r->host = (uint8_t *)map + vr->mmap_offset;
		dbg("region %u: guest 0x%llx size 0x%llx", i,
		    (unsigned long long)r->guest_addr, (unsigned long long)r->size);
	}
	unmap_regions();
	memcpy(g.regions, regions, n * sizeof(regions[0]));
	g.nregions = n;
	close_fds(fds, n);
	/* rings already placed follow the new table, or are not used */
	for (i = 0; i < NUM_QUEUES; i++)
		if (g.vqs[i].addr_set)
			vq_map(&g.vqs[i]);
	return 0;

fail:
	while (i--)
		munmap(regions[i].map, regions[i].map_len);
	return -1;
}

/* vq_drop_kick: stop waiting on a queue's kick fd and close it. */
static void vq_drop_kick(struct vq *q)
{
	if (q->kick < 0)
		return;
	epoll_ctl(g.epfd, EPOLL_CTL_DEL, q->kick, NULL);
	close(q->kick);
	q->kick = -1;
}

static struct vq *vu_vq(uint32_t index)
{
	return index < NUM_QUEUES ? &g.vqs[index] : NULL;
}

/* vu_handle: one message; returns 0 or -1 (the NEED_REPLY answer). */
static int vu_handle(struct vu_msg *m, int *fds, int nfds)
{
	struct vq *q;
	uint64_t v;
	int fd;

	switch (m->hdr.request) {
	case VU_GET_FEATURES:
		vu_reply_u64(m, (1ull << VIRTIO_F_VERSION_1) |
			     (1ull << VU_F_PROTOCOL_FEATURES) |
			     BIT_ULL(VIRTIO_GPIO_F_IRQ));
		return 1;
	case VU_SET_FEATURES:
		if (m->hdr.size < 8)
			return -1;
		g.features = m->u.u64;
		dbg("features 0x%llx", (unsigned long long)g.features);
		if (!(g.features & BIT_ULL(VIRTIO_GPIO_F_IRQ)))
			logmsg("the VMM did not accept VIRTIO_GPIO_F_IRQ: %s",
			       "the guest gets no interrupts");
		return 0;
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
		return 0;
	case VU_GET_PROTOCOL_FEATURES:
		vu_reply_u64(m, (1ull << VU_PROTOCOL_F_REPLY_ACK) |
			     (1ull << VU_PROTOCOL_F_CONFIG));
		return 1;
	case VU_SET_PROTOCOL_FEATURES:
		if (m->hdr.size < 8)
			return -1;
		g.protocol_features = m->u.u64;
		return 0;
	case VU_GET_QUEUE_NUM:
		vu_reply_u64(m, NUM_QUEUES);
		return 1;
	case VU_SET_MEM_TABLE:
		return vu_set_mem_table(m, fds, nfds);
	case VU_SET_VRING_NUM:
		q = m->hdr.size >= 8 ? vu_vq(m->u.state.index) : NULL;
		v = m->u.state.num;
		if (!q || !v || v > MAX_QUEUE_SIZE || (v & (v - 1))) {
			logmsg("vhost-user: bad ring size");
			return -1;
		}
		q->num = v;
		/* a ring already placed must still fit in guest memory */
		if (q->addr_set && !vq_map(q)) {
			logmsg("vhost-user: ring %u of %u entries outside the guest memory",
			       m->u.state.index, q->num);
			return -1;
		}
		return 0;
	case VU_SET_VRING_ADDR:
		q = m->hdr.size >= sizeof(m->u.addr) ? vu_vq(m->u.addr.index) : NULL;
		if (!q)
			return -1;
		q->desc_ua = m->u.addr.desc;
		q->avail_ua = m->u.addr.avail;
		q->used_ua = m->u.addr.used;
		q->addr_set = true;
		if (!vq_map(q)) {
			logmsg("vhost-user: ring %u outside the guest memory",
			       m->u.addr.index);
			return -1;
		}
		q->used_idx = le16toh(q->used->idx);
		return 0;
	case VU_SET_VRING_BASE:
		q = m->hdr.size >= 8 ? vu_vq(m->u.state.index) : NULL;
		if (!q)
			return -1;
		q->last_avail = m->u.state.num;
		return 0;
	case VU_GET_VRING_BASE:
		q = m->hdr.size >= 8 ? vu_vq(m->u.state.index) : NULL;
		if (!q)
			return -1;
		m->u.state.num = q->last_avail;
		q->started = false;
		vq_drop_kick(q);
		if (q == &g.vqs[EVENT_Q])
			for (unsigned int i = 0; i < g.ngpio; i++)
				g.lines[i].irq_queued = false;
		vu_reply(m, sizeof(m->u.state));
		return 1;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (m->hdr.size < 8)
			return -1;
		q = vu_vq(m->u.u64 & VU_VRING_IDX_MASK);
		fd = (m->u.u64 & VU_VRING_NOFD) || nfds < 1 ? -1 : fds[0];
		if (!q || (fd < 0 && !(m->u.u64 & VU_VRING_NOFD)))
			return -1;
		if (fd >= 0)
			fds[0] = -1;
		/*
		 * A call or err fd that is full or closed must not stop us, nor
		 * a kick fd read for an event that an earlier message of the
		 * same epoll batch made stale.
		 */
		if (fd >= 0)
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (m->hdr.request == VU_SET_VRING_CALL) {
			if (q->call >= 0)
				close(q->call);
			q->call = fd;
		} else if (m->hdr.request == VU_SET_VRING_ERR) {
			if (q->err >= 0)
				close(q->err);
			q->err = fd;
		} else {
			struct epoll_event ev = { .events = EPOLLIN };

			vq_drop_kick(q);
			q->kick = fd;
			if (fd < 0) {
				logmsg("vhost-user: polled rings are not supported");
				return -1;
			}
			ev.data.u64 = EV(q == g.vqs ? EV_KICK0 : EV_KICK1, 0);
			epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev);
			q->started = true;
			q->broken = false;
			if (!(g.features & (1ull << VU_F_PROTOCOL_FEATURES)))
				q->enabled = true;
		}
		return 0;
	case VU_SET_VRING_ENABLE:
		q = m->hdr.size >= 8 ? vu_vq(m->u.state.index) : NULL;
		if (!q)
			return -1;
		q->enabled = m->u.state.num;
		return 0;
	case VU_GET_CONFIG: {
		struct virtio_gpio_config cfg = {
			.ngpio = htole16(g.ngpio),
			.gpio_names_size = htole32(g.names_size),
		};
		uint32_t off = m->u.config.offset, size = m->u.config.size;

		if (m->hdr.size < 12 || off > sizeof(cfg) ||
		    size > sizeof(cfg) - off) {
			logmsg("vhost-user: config read of %u bytes at %u", size, off);
			vu_reply(m, 12);	/* no data: the read failed */
			return 1;
		}
		memcpy(m->u.config.data, (uint8_t *)&cfg + off, size);
		vu_reply(m, 12 + size);
		return 1;
	}
	case VU_SET_CONFIG:
		logmsg("vhost-user: the config space is read-only");
		return -1;
	case VU_SET_LOG_BASE:
	case VU_SET_LOG_FD:
	default:
		logmsg("vhost-user: unsupported request %u", m->hdr.request);
		return -1;
	}
}

static void vu_message(void)
{
	struct vu_msg m;
	int fds[VU_MAX_FDS], nfds, ret;
	unsigned int i;

	if (!vu_read(&m, fds, &nfds)) {
		logmsg("the VMM disconnected; exiting");
		stop = true;
		return;
	}
	dbg("vhost-user: request %u, %u bytes, %d fds", m.hdr.request,
	    m.hdr.size, nfds);
	ret = vu_handle(&m, fds, nfds);
	close_fds(fds, nfds);
	if (ret <= 0 && (m.hdr.flags & VU_FLAG_NEED_REPLY) &&
	    (g.protocol_features & (1ull << VU_PROTOCOL_F_REPLY_ACK)))
		vu_reply_u64(&m, ret ? 1 : 0);
	/* a ring may have become ready with buffers already queued */
	for (i = 0; i < NUM_QUEUES; i++)
		if (g.vqs[i].started && g.vqs[i].enabled)
			i == REQUEST_Q ? process_requestq() : process_eventq();
}

/*
 * vq_kicked: consume a kick of queue Q (EVENTS from epoll); false when there
 * is nothing to process. A kick fd whose writer is gone (a pipe's hang-up,
 * end of file) would be ready for ever: it is dropped, and the queue waits
 * for the VMM's next SET_VRING_KICK. The read never blocks: the fd may be
 * one that a message earlier in the same epoll batch put in place.
 */
static bool vq_kicked(struct vq *q, uint32_t events)
{
	uint64_t cnt;
	ssize_t n;

	if (q->kick < 0)
		return false;
	n = read(q->kick, &cnt, sizeof(cnt));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ||
	    (n < 0 && (events & (EPOLLHUP | EPOLLERR)))) {
		logmsg("virtqueue %ld: kick fd hung up (%s), dropped",
		       (long)(q - g.vqs), n == 0 ? "end of file" : strerror(errno));
		vq_drop_kick(q);
		return false;
	}
	return true;
}

static int listen_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(g.sock_path) >= sizeof(sa.sun_path)) {
		logmsg("socket path too long: %s", g.sock_path);
		return -1;
	}
	memcpy(sa.sun_path, g.sock_path, strlen(g.sock_path) + 1);
	/* a stale socket of an earlier run, and nothing else, is replaced */
	if (lstat(g.sock_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(g.sock_path);
	g.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g.listen_fd < 0 ||
	    bind(g.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(g.listen_fd, 1) < 0) {
		logmsg("cannot listen on %s: %s", g.sock_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* signal_fd: SIGTERM and SIGINT as a file descriptor for the loop; -1 on error. */
static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct epoll_event ev = { .events = EPOLLIN };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int sfd;
	unsigned int i;
	int c;

	while ((c = getopt_long(argc, argv, "s:vth", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			g.sock_path = optarg;
			break;
		case 'v':
			g.verbose++;
			break;
		case 't':
			g.timestamps = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (!g.sock_path || optind != argc - 1) {
		usage(stderr, argv[0]);
		return 2;
	}
	g.chip_path = argv[optind];
	for (i = 0; i < NUM_QUEUES; i++) {
		g.vqs[i].kick = -1;
		g.vqs[i].call = -1;
		g.vqs[i].err = -1;
	}
	/* a VMM that closed an eventfd or the socket must not kill us */
	sigaction(SIGPIPE, &ign, NULL);

	if (open_chip() < 0)
		return 1;
	g.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g.epfd < 0 || listen_socket() < 0)
		return 1;
	for (i = 0; i < g.nreq; i++) {
		ev.data.u64 = EV(EV_REQ, i);
		epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.req_fd[i], &ev);
	}
	ev.data.u64 = EV(EV_CHIP, 0);
	epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.chip_fd, &ev);
	sfd = signal_fd();
	if (sfd < 0) {
		logmsg("signalfd: %s", strerror(errno));
		return 1;
	}
	ev.data.u64 = EV(EV_SIGNAL, 0);
	epoll_ctl(g.epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.u64 = EV(EV_LISTEN, 0);
	epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.listen_fd, &ev);
	logmsg("serving %s (%u lines) on %s", g.chip_path, g.ngpio, g.sock_path);

	while (!stop) {
		struct epoll_event evs[16];
		int n = epoll_wait(g.epfd, evs, ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			logmsg("epoll: %s", strerror(errno));
			return 1;
		}
		for (c = 0; c < n && !stop; c++) {
			uint64_t d = evs[c].data.u64;
			unsigned int kind = d & 0xff, idx = d >> 8;

			switch (kind) {
			case EV_LISTEN:
				g.conn_fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC);
				if (g.conn_fd < 0)
					break;
				logmsg("VMM connected");
				/* one VMM: stop listening */
				epoll_ctl(g.epfd, EPOLL_CTL_DEL, g.listen_fd, NULL);
				ev.data.u64 = EV(EV_CONN, 0);
				epoll_ctl(g.epfd, EPOLL_CTL_ADD, g.conn_fd, &ev);
				break;
			case EV_CONN:
				vu_message();
				break;
			case EV_KICK0:
			case EV_KICK1:
				i = kind == EV_KICK0 ? REQUEST_Q : EVENT_Q;
				if (!vq_kicked(&g.vqs[i], evs[c].events))
					break;
				i == REQUEST_Q ? process_requestq() : process_eventq();
				break;
			case EV_SIGNAL:
				logmsg("signalled; exiting");
				stop = true;
				break;
			case EV_CHIP:
				/* the chip's fd only wakes us when the chip is gone */
				chip_gone("chip", ENODEV);
				break;
			case EV_REQ:
				if (evs[c].events & (EPOLLHUP | EPOLLERR))
					chip_gone("line request", ENODEV);
				else
					line_events(idx);
				break;
			}
		}
	}
	unlink(g.sock_path);
	return g.exit_code;
}
