// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of gpio-aggregator.sh: feed the malformed-input corpus
 * (gpio-aggregator-corpus.txt) to the GPIO aggregator and check how each
 * input is refused.
 *
 *   gpio-aggregator-corpus <corpus> <device> <key>
 *
 * <device> is an aggregator directory in configfs, not live, with a
 * directory line0 whose key is <key> (a chip label) and offset 0: the
 * configfs targets write there. For every input, the helper makes the one
 * system call of its target with the exact bytes of the input, and checks:
 * the call fails with the expected errno; the kernel logged exactly one
 * line, containing the expected text (or none, where the refusal is the
 * VFS's rather than the driver's); and nothing was left behind: the same
 * gpio-aggregator.N platform devices, configfs entries, GPIO chips, and
 * attribute values of <device> and its line0 as before. Each failure is
 * printed as a "#" line naming the corpus line; the exit status is 1 when
 * any input failed, 2 when the helper could not run.
 *
 * Corpus lines (blank lines and lines starting with '#' are skipped) have
 * four tab-separated fields:
 *
 *   TARGET  ERRNO  LOG  INPUT
 *
 * TARGET: new_device, delete_device (the sysfs attributes); key, offset,
 * name, active_low, live (attributes of <device>/line0 or <device>);
 * live-key, live-offset (INPUT is written to line0's key or offset, which
 * must succeed, then "1" to live, which is what must fail); mkdir-device,
 * mkdir-line (INPUT is the name of a new directory in the configfs root or
 * in <device>).
 *
 * ERRNO: the errno name the call must fail with (EINVAL, ENOENT, ...), or
 * "none" for a write that must return 0 (an empty write, which sysfs does
 * not pass on to the driver).
 *
 * LOG: "-" when the kernel must log nothing, else text that the one line
 * logged must contain (escaped as INPUT is).
 *
 * INPUT and LOG are escaped: \\ \t \n \r \0 and \xHH stand for one byte;
 * \( and \) delimit a group; \{N} repeats the byte or group just before it
 * N times in all ("a\{4}" is "aaaa", "\(ab\)\{2}" is "abab").
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DRIVER		"/sys/bus/platform/drivers/gpio-aggregator"
#define PLATFORM	"/sys/bus/platform/devices"
#define GPIO_BUS	"/sys/bus/gpio/devices"
#define CONFIGFS	"/sys/kernel/config/gpio-aggregator"
#define MAX_BYTES	(1024 * 1024)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_ITEMS	4096

/* A byte string: inputs may hold NUL bytes. */
struct bytes {
	char *buf;
	size_t len;
};

static const char *device, *key;
static int kmsg = -1;
static unsigned int lineno, failures, failed_inputs;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# corpus: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	exit(2);
}

/* Reports a failure of the current corpus line. */
static void bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# corpus line %u: ", lineno);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	failures++;
}

static void append(struct bytes *b, const char *src, size_t n)
{
	if (b->len + n > MAX_BYTES)
		die("line %u: input longer than %d bytes", lineno, MAX_BYTES);
	memcpy(b->buf + b->len, src, n);
	b->len += n;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the escaped @s into @out (see the top of the file). */
static void decode(const char *s, struct bytes *out)
{
	size_t groups[8], atom = 0;
	unsigned int depth = 0;
	unsigned long n, i;
	size_t unit;
	char c, *end;

	out->len = 0;
	while (*s) {
		if (*s != '\\') {
			atom = out->len;
			append(out, s++, 1);
			continue;
		}
		s++;
		switch (*s) {
		case '(':
			if (depth == 8)
				die("line %u: groups nested too deep", lineno);
			groups[depth++] = out->len;
			s++;
			continue;
		case ')':
			if (!depth)
				die("line %u: unbalanced \\)", lineno);
			atom = groups[--depth];
			s++;
			continue;
		case '{':
			n = strtoul(s + 1, &end, 10);
			if (*end != '}' || !n)
				die("line %u: bad repeat count", lineno);
			unit = out->len - atom;
			for (i = 1; i < n; i++)
				append(out, out->buf + atom, unit);
			s = end + 1;
			continue;
		case 'x':
			if (hex(s[1]) < 0 || hex(s[2]) < 0)
				die("line %u: bad \\x escape", lineno);
			c = hex(s[1]) << 4 | hex(s[2]);
			s += 3;
			break;
		case '\\':
			c = '\\';
			s++;
			break;
		case 't':
			c = '\t';
			s++;
			break;
		case 'n':
			c = '\n';
			s++;
			break;
		case 'r':
			c = '\r';
			s++;
			break;
		case '0':
			c = '\0';
			s++;
			break;
		default:
			die("line %u: unknown escape \\%c", lineno, *s);
		}
		atom = out->len;
		append(out, &c, 1);
	}
	if (depth)
		die("line %u: unbalanced \\(", lineno);
}

static const struct {
	const char *name;
	int errno_val;
} errnos[] = {
	{ "EINVAL", EINVAL }, { "ENOENT", ENOENT }, { "ENODEV", ENODEV },
	{ "EBUSY", EBUSY }, { "EEXIST", EEXIST }, { "EFAULT", EFAULT },
	{ "ENAMETOOLONG", ENAMETOOLONG }, { "EPERM", EPERM },
	{ "EACCES", EACCES }, { "E2BIG", E2BIG }, { "ERANGE", ERANGE },
	{ "ENOMEM", ENOMEM }, { "ENXIO", ENXIO }, { "ENOTDIR", ENOTDIR },
};

static const char *errno_name(int e)
{
	static char other[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].errno_val == e)
			return errnos[i].name;
	snprintf(other, sizeof(other), "errno %d", e);
	return other;
}

static int errno_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].errno_val;
	die("line %u: unknown errno %s", lineno, name);
	return 0;
}

/* Writes @len bytes of @buf to @path in one write(2): its result or -errno. */
static long write_bytes(const char *path, const char *buf, size_t len)
{
	long ret;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, buf, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Writes the string @s to the attribute @attr of line0 or, with @dev, of <device>. */
static long write_attr(int dev, const char *attr, const char *s)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s%s/%s", CONFIGFS, device,
		 dev ? "" : "/line0", attr);
	return write_bytes(path, s, strlen(s));
}

/* Puts <device> and line0 back the way the corpus expects them. */
static void reset_device(void)
{
	if (write_attr(1, "live", "0") < 0 || write_attr(0, "key", key) < 0 ||
	    write_attr(0, "offset", "0") < 0 || write_attr(0, "name", "\n") < 0 ||
	    write_attr(0, "active_low", "0") < 0)
		die("cannot reset %s", device);
}

/* The state the corpus must not change, as a sorted list of strings. */
struct snapshot {
	char *item[MAX_ITEMS];
	unsigned int num;
};

static void snap_add(struct snapshot *s, const char *fmt, ...)
{
	va_list ap;

	if (s->num == MAX_ITEMS)
		die("more than %d items of state", MAX_ITEMS);
	va_start(ap, fmt);
	if (vasprintf(&s->item[s->num++], fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
}

/* Adds the entries of @dir starting with @prefix. */
static void snap_dir(struct snapshot *s, const char *dir, const char *prefix)
{
	struct dirent *d;
	DIR *dp;

	dp = opendir(dir);
	if (!dp) {
		snap_add(s, "%s: %s", dir, strerror(errno));
		return;
	}
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.' || strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		snap_add(s, "%s/%s", dir, d->d_name);
	}
	closedir(dp);
}

static void snap_attr(struct snapshot *s, const char *path)
{
	char buf[8192];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		snap_add(s, "%s: %s", path, strerror(errno));
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	snap_add(s, "%s = '%s'", path, buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_take(struct snapshot *s)
{
	static const char *const attrs[] = { "key", "offset", "name", "active_low" };
	char path[512];
	size_t i;

	s->num = 0;
	snap_dir(s, PLATFORM, "gpio-aggregator.");
	snap_dir(s, GPIO_BUS, "gpiochip");
	snap_dir(s, CONFIGFS, "");
	snprintf(path, sizeof(path), "%s/%s", CONFIGFS, device);
	snap_dir(s, path, "");
	snprintf(path, sizeof(path), "%s/%s/live", CONFIGFS, device);
	snap_attr(s, path);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s/line0/%s", CONFIGFS, device,
			 attrs[i]);
		snap_attr(s, path);
	}
	qsort(s->item, s->num, sizeof(s->item[0]), cmp_str);
}

static void snap_free(struct snapshot *s)
{
	while (s->num)
		free(s->item[--s->num]);
}

/* Reports what differs between @before and @after; returns how much. */
static unsigned int snap_diff(const struct snapshot *before,
			      const struct snapshot *after)
{
	unsigned int i = 0, j = 0, n = 0;
	int c;

	while (i < before->num || j < after->num) {
		if (i == before->num)
			c = 1;
		else if (j == after->num)
			c = -1;
		else
			c = strcmp(before->item[i], after->item[j]);
		if (c < 0)
			bad("gone or changed: %s", before->item[i++]);
		else if (c > 0)
			bad("left behind: %s", after->item[j++]);
		else
			i++, j++;
		n += !!c;
	}
	return n;
}

/* Undoes what an input that should have failed but did not has done. */
static void undo(const char *target, const struct bytes *in,
		 const struct snapshot *before, const struct snapshot *after)
{
	char path[8192];
	unsigned int i;

	if (!strncmp(target, "mkdir-", 6)) {
		snprintf(path, sizeof(path), "%s/%s%s%.*s", CONFIGFS,
			 strcmp(target, "mkdir-line") ? "" : device,
			 strcmp(target, "mkdir-line") ? "" : "/",
			 (int)in->len, in->buf);
		rmdir(path);
		return;
	}
	/* A device made through new_device: delete it */
	for (i = 0; i < after->num; i++) {
		const char *dev = strstr(after->item[i], PLATFORM "/gpio-aggregator.");

		if (dev && !bsearch(&after->item[i], before->item, before->num,
				    sizeof(before->item[0]), cmp_str))
			write_bytes(DRIVER "/delete_device",
				    dev + strlen(PLATFORM "/"),
				    strlen(dev + strlen(PLATFORM "/")));
	}
}

/* Unescapes /dev/kmsg's \xHH in place. */
static void kmsg_unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'x' && hex(s[2]) >= 0 && hex(s[3]) >= 0) {
			*d++ = hex(s[2]) << 4 | hex(s[3]);
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/*
 * Reads the messages logged since the last call; returns how many, with
 * the first in @first.
 */
static unsigned int kmsg_read(char *first, size_t size)
{
	unsigned int n = 0;
	char rec[8192], *msg;
	ssize_t len;

	first[0] = '\0';
	for (;;) {
		len = read(kmsg, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;
		if (len <= 0)
			break;
		rec[len] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		msg[strcspn(msg, "\n")] = '\0';
		if (!n++)
			snprintf(first, size, "%s", msg);
	}
	return n;
}

/* Makes the system call of @target with @in; returns its result or -errno. */
static long run_target(const char *target, const struct bytes *in)
{
	char path[8192];
	long ret;

	if (!strcmp(target, "new_device") || !strcmp(target, "delete_device")) {
		snprintf(path, sizeof(path), DRIVER "/%s", target);
		return write_bytes(path, in->buf, in->len);
	}
	if (!strcmp(target, "key") || !strcmp(target, "offset") ||
	    !strcmp(target, "name") || !strcmp(target, "active_low") ||
	    !strcmp(target, "live")) {
		snprintf(path, sizeof(path), "%s/%s%s/%s", CONFIGFS, device,
			 strcmp(target, "live") ? "/line0" : "", target);
		return write_bytes(path, in->buf, in->len);
	}
	if (!strcmp(target, "live-key") || !strcmp(target, "live-offset")) {
		snprintf(path, sizeof(path), "%s/%s/line0/%s", CONFIGFS, device,
			 target + 5);
		ret = write_bytes(path, in->buf, in->len);
		if (ret != (long)in->len) {
			bad("setting up: writing %s returned %ld", target + 5, ret);
			return 0;
		}
		return write_attr(1, "live", "1\n");
	}
	if (!strcmp(target, "mkdir-device") || !strcmp(target, "mkdir-line")) {
		if (memchr(in->buf, '\0', in->len))
			die("line %u: a directory name cannot hold NUL", lineno);
		snprintf(path, sizeof(path), "%s/%s%s%.*s", CONFIGFS,
			 strcmp(target, "mkdir-line") ? "" : device,
			 strcmp(target, "mkdir-line") ? "" : "/",
			 (int)in->len, in->buf);
		return mkdir(path, 0755) ? -errno : 0;
	}
	die("line %u: unknown target %s", lineno, target);
	return 0;
}

static void run_line(char *line, struct bytes *in, struct bytes *log)
{
	char *target, *err, *logtext, *input, first[8192];
	struct snapshot before, after;
	unsigned int n, fails = failures;
	int want;
	long ret;

	target = strsep(&line, "\t");
	err = strsep(&line, "\t");
	logtext = strsep(&line, "\t");
	input = line;
	if (!err || !logtext || !input)
		die("line %u: not TARGET<tab>ERRNO<tab>LOG<tab>INPUT", lineno);
	decode(input, in);
	decode(logtext, log);
	want = strcmp(err, "none") ? errno_of(err) : 0;

	snap_take(&before);
	kmsg_read(first, sizeof(first));
	ret = run_target(target, in);
	n = kmsg_read(first, sizeof(first));

	if (want && ret != -want)
		bad("%s '%s': %s %s, expected %s", target, input,
		    ret < 0 ? "failed with" : "succeeded:",
		    ret < 0 ? errno_name(-ret) : "no error", err);
	else if (!want && ret != 0)
		bad("%s '%s': returned %ld, expected 0", target, input, ret);

	if (strcmp(logtext, "-")) {
		kmsg_unescape(first);
		if (n != 1)
			bad("%s '%s': %u kernel messages, expected one (first: '%s')",
			    target, input, n, first);
		else if (!memmem(first, strlen(first), log->buf, log->len))
			bad("%s '%s': kernel message '%s' does not contain '%s'",
			    target, input, first, logtext);
	} else if (n) {
		bad("%s '%s': %u kernel messages, expected none (first: '%s')",
		    target, input, n, first);
	}

	if (strncmp(target, "mkdir-", 6) && strcmp(target, "new_device") &&
	    strcmp(target, "delete_device"))
		reset_device();
	snap_take(&after);
	if (snap_diff(&before, &after) || (want && ret >= 0))
		undo(target, in, &before, &after);
	if (failures != fails) {
		failed_inputs++;
		reset_device();
	}
	snap_free(&before);
	snap_free(&after);
	kmsg_read(first, sizeof(first));
}

int main(int argc, char **argv)
{
	struct bytes in, log;
	char *line = NULL;
	unsigned int inputs = 0;
	size_t size = 0;
	ssize_t len;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: %s <corpus> <device> <key>\n", argv[0]);
		return 2;
	}
	device = argv[2];
	key = argv[3];
	f = fopen(argv[1], "r");
	if (!f)
		die("cannot open %s: %s", argv[1], strerror(errno));
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg < 0 || lseek(kmsg, 0, SEEK_END) < 0)
		die("cannot read /dev/kmsg: %s", strerror(errno));
	in.buf = malloc(MAX_BYTES);
	log.buf = malloc(MAX_BYTES);
	if (!in.buf || !log.buf)
		die("out of memory");
	reset_device();

	while ((len = getline(&line, &size, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		inputs++;
		run_line(line, &in, &log);
	}
	printf("# corpus: %u inputs, %u failed\n", inputs, failed_inputs);
	if (!inputs)
		die("no input in %s", argv[1]);
	return failures ? 1 : 0;
}
