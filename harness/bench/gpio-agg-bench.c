// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmark of GPIO forwarding, in the kernel: tooling for `make bench`,
 * not part of the product.
 *
 * On load, registers BENCH_PARENTS mock GPIO chips labelled "a", "b", ...
 * of BENCH_NGPIO lines each. They cannot sleep, do almost nothing and
 * count the calls into them, so that the cost of forwarding is not hidden
 * behind the cost of a parent. The short labels keep a new_device spec of
 * 512 interleaved lines under a page.
 *
 * /sys/kernel/debug/gpio-agg-bench/run takes one command:
 *
 *	<op> <iterations> <repeats> <label> <offsets> [<label> <offsets>...]
 *
 * <op> is get, set, get_multiple or set_multiple; the lines are those of
 * the chips labelled so, at the offsets given ("0-63", "3,5"), in that
 * order: the parent chips themselves ("direct") or an aggregator
 * ("gpio-aggregator.N"). The lines are requested as outputs by a consumer
 * device, the operation is timed over <iterations> in each of <repeats>
 * runs, and reading the file gives:
 *
 *	ns_per_op=<median> min=<ns> max=<ns> parent_calls=<per op> parents=<n>
 *	transfers=<per op> addresses=<n> wire_bytes=<per op> values=<ok|wrong|->
 *
 * parent_calls counts the calls into the mock chips and parents how many
 * of them were called. transfers counts the SMBus transfers of i2c-stub's
 * adapter (the expanders behind it), addresses how many I2C addresses they
 * went to, wire_bytes the bytes those transfers would put on a real bus
 * (address and command bytes included). All are counted over the timed
 * operations only. To count the transfers, the module finds i2c-stub's
 * adapter when it loads (load it after i2c-stub) and puts a counting
 * smbus_xfer in front of the stub's own, until it unloads; it holds the
 * adapter, so i2c-stub cannot unload before it.
 *
 * A failed operation fails the write, with the errno of the operation and
 * a kernel message naming it. After the timing, the lines are set to two
 * patterns and read back, and values says whether the reads gave what was
 * set; writing 0 to readback (for parents whose input is not their output,
 * such as an expander on i2c-stub) skips that, and values is then "-".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/machine.h>
#include <linux/i2c.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#define BENCH_PARENTS		8
#define BENCH_NGPIO		512
#define BENCH_MAX_LINES		4096
#define BENCH_MAX_REPEATS	101
#define BENCH_I2C_ADDRS		128

struct bench_parent {
	struct gpio_chip gc;
	unsigned long levels[BITS_TO_LONGS(BENCH_NGPIO)];
	unsigned long outputs[BITS_TO_LONGS(BENCH_NGPIO)];
	unsigned long calls;
};

static const char *const bench_labels[BENCH_PARENTS] = {
	"a", "b", "c", "d", "e", "f", "g", "h",
};

static struct bench_parent bench_parents[BENCH_PARENTS];
static struct platform_device *bench_provider;
static struct device *bench_consumer;
static struct dentry *bench_dir;
static bool bench_readback = true;

/* SMBus transfers of i2c-stub and their bytes on the wire, by address */
static atomic_long_t bench_xfers[BENCH_I2C_ADDRS];
static atomic_long_t bench_wire_bytes;
static struct i2c_adapter *bench_stub;
static const struct i2c_algorithm *bench_stub_algo;
static struct i2c_algorithm bench_counting_algo;

/* Serialises runs; protects bench_result */
static DEFINE_MUTEX(bench_lock);
static char bench_result[256];

static struct bench_parent *to_bench_parent(struct gpio_chip *gc)
{
	return container_of(gc, struct bench_parent, gc);
}

static int bench_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	return test_bit(offset, to_bench_parent(gc)->outputs) ?
	       GPIO_LINE_DIRECTION_OUT : GPIO_LINE_DIRECTION_IN;
}

static int bench_direction_input(struct gpio_chip *gc, unsigned int offset)
{
	clear_bit(offset, to_bench_parent(gc)->outputs);
	return 0;
}

static int bench_direction_output(struct gpio_chip *gc, unsigned int offset,
				  int value)
{
	struct bench_parent *p = to_bench_parent(gc);

	set_bit(offset, p->outputs);
	assign_bit(offset, p->levels, value);
	return 0;
}

static int bench_get(struct gpio_chip *gc, unsigned int offset)
{
	struct bench_parent *p = to_bench_parent(gc);

	p->calls++;
	return test_bit(offset, p->levels);
}

static int bench_get_multiple(struct gpio_chip *gc, unsigned long *mask,
			      unsigned long *bits)
{
	struct bench_parent *p = to_bench_parent(gc);

	p->calls++;
	bitmap_replace(bits, bits, p->levels, mask, gc->ngpio);
	return 0;
}

static int bench_set(struct gpio_chip *gc, unsigned int offset, int value)
{
	struct bench_parent *p = to_bench_parent(gc);

	p->calls++;
	assign_bit(offset, p->levels, value);
	return 0;
}

static int bench_set_multiple(struct gpio_chip *gc, unsigned long *mask,
			      unsigned long *bits)
{
	struct bench_parent *p = to_bench_parent(gc);

	p->calls++;
	bitmap_replace(p->levels, p->levels, bits, mask, gc->ngpio);
	return 0;
}

/* The bytes of one SMBus transfer on the wire, address bytes included */
static unsigned int bench_smbus_bytes(char read_write, int size,
				      const union i2c_smbus_data *data)
{
	bool rd = read_write == I2C_SMBUS_READ;

	switch (size) {
	case I2C_SMBUS_QUICK:
		return 1;
	case I2C_SMBUS_BYTE:
		return 2;
	case I2C_SMBUS_BYTE_DATA:
		return rd ? 4 : 3;
	case I2C_SMBUS_WORD_DATA:
		return rd ? 5 : 4;
	case I2C_SMBUS_I2C_BLOCK_DATA:
		return (rd ? 3 : 2) + data->block[0];
	default:
		return 0;	/* not made by the drivers benchmarked here */
	}
}

static int bench_count_xfer(struct i2c_adapter *adap, u16 addr,
			    unsigned short flags, char read_write, u8 command,
			    int size, union i2c_smbus_data *data)
{
	atomic_long_inc(&bench_xfers[addr % BENCH_I2C_ADDRS]);
	atomic_long_add(bench_smbus_bytes(read_write, size, data),
			&bench_wire_bytes);

	return bench_stub_algo->smbus_xfer(adap, addr, flags, read_write,
					   command, size, data);
}

/* Finds i2c-stub's adapter: its number goes to @data */
static int bench_match_stub(struct device *dev, void *data)
{
	struct i2c_adapter *adap = i2c_verify_adapter(dev);

	if (!adap || strcmp(adap->name, "SMBus stub driver"))
		return 0;
	*(int *)data = adap->nr;
	return 1;
}

/* Puts the counting smbus_xfer in front of i2c-stub's, if it is there */
static void bench_count_stub(void)
{
	int nr = -1;

	i2c_for_each_dev(&nr, bench_match_stub);
	if (nr < 0)
		return;
	bench_stub = i2c_get_adapter(nr);
	if (!bench_stub)
		return;

	bench_stub_algo = bench_stub->algo;
	bench_counting_algo = *bench_stub_algo;
	bench_counting_algo.smbus_xfer = bench_count_xfer;
	i2c_lock_bus(bench_stub, I2C_LOCK_ROOT_ADAPTER);
	WRITE_ONCE(bench_stub->algo, &bench_counting_algo);
	i2c_unlock_bus(bench_stub, I2C_LOCK_ROOT_ADAPTER);
}

static void bench_uncount_stub(void)
{
	if (!bench_stub)
		return;

	i2c_lock_bus(bench_stub, I2C_LOCK_ROOT_ADAPTER);
	WRITE_ONCE(bench_stub->algo, bench_stub_algo);
	i2c_unlock_bus(bench_stub, I2C_LOCK_ROOT_ADAPTER);
	i2c_put_adapter(bench_stub);
}

static int bench_add_parents(struct device *dev)
{
	struct gpio_chip *gc;
	unsigned int i;
	int ret;

	for (i = 0; i < BENCH_PARENTS; i++) {
		gc = &bench_parents[i].gc;
		gc->label = bench_labels[i];
		gc->parent = dev;
		gc->owner = THIS_MODULE;
		gc->base = -1;
		gc->ngpio = BENCH_NGPIO;
		gc->get_direction = bench_get_direction;
		gc->direction_input = bench_direction_input;
		gc->direction_output = bench_direction_output;
		gc->get = bench_get;
		gc->get_multiple = bench_get_multiple;
		gc->set_rv = bench_set;
		gc->set_multiple_rv = bench_set_multiple;

		ret = devm_gpiochip_add_data(dev, gc, NULL);
		if (ret)
			return ret;
	}

	return 0;
}

enum bench_op { OP_GET, OP_SET, OP_GET_MULTIPLE, OP_SET_MULTIPLE };

static const char *const bench_ops[] = {
	[OP_GET] = "get",
	[OP_SET] = "set",
	[OP_GET_MULTIPLE] = "get_multiple",
	[OP_SET_MULTIPLE] = "set_multiple",
};

/* Adds the lines "<first>[-<last>]" of @label to @table. */
static int bench_add_range(struct gpiod_lookup_table *table, unsigned int *n,
			   const char *label, char *range)
{
	unsigned int first, last;
	char *dash = strchr(range, '-');

	if (dash)
		*dash++ = '\0';
	if (kstrtouint(range, 10, &first) ||
	    kstrtouint(dash ?: range, 10, &last) || first > last)
		return -EINVAL;

	for (; first <= last; first++) {
		if (*n == BENCH_MAX_LINES)
			return -E2BIG;
		table->table[*n] = GPIO_LOOKUP_IDX(label, first, NULL, *n, 0);
		(*n)++;
	}

	return 0;
}

/* Fills @table from "<label> <offsets>..." in @args; returns the lines. */
static int bench_parse_lines(struct gpiod_lookup_table *table, char *args)
{
	char *label, *offsets, *range;
	unsigned int n = 0;
	int ret;

	while ((label = strsep(&args, " \n")) && *label) {
		offsets = strsep(&args, " \n");
		if (!offsets || !*offsets)
			return -EINVAL;

		while ((range = strsep(&offsets, ","))) {
			ret = bench_add_range(table, &n, label, range);
			if (ret)
				return ret;
		}
	}

	return n ?: -EINVAL;
}

static int bench_once(enum bench_op op, struct gpio_descs *descs,
		      unsigned long *values, unsigned int i)
{
	int ret;

	switch (op) {
	case OP_GET:
		ret = gpiod_get_value_cansleep(descs->desc[0]);
		return ret < 0 ? ret : 0;
	case OP_SET:
		return gpiod_set_value_cansleep(descs->desc[0], i & 1);
	case OP_GET_MULTIPLE:
		return gpiod_get_array_value_cansleep(descs->ndescs, descs->desc,
						      descs->info, values);
	case OP_SET_MULTIPLE:
		if (i & 1)
			bitmap_fill(values, descs->ndescs);
		else
			bitmap_zero(values, descs->ndescs);
		return gpiod_set_array_value_cansleep(descs->ndescs,
						      descs->desc, descs->info,
						      values);
	}

	return -EINVAL;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* What the parents saw: calls into the mocks, transfers on I2C */
struct bench_counts {
	unsigned long calls[BENCH_PARENTS];
	unsigned long xfers[BENCH_I2C_ADDRS];
	unsigned long wire_bytes;
};

/* Before and after a run; protected by bench_lock (too big for the stack) */
static struct bench_counts bench_then, bench_now;

static void bench_snapshot(struct bench_counts *c)
{
	unsigned int i;

	for (i = 0; i < BENCH_PARENTS; i++)
		c->calls[i] = bench_parents[i].calls;
	for (i = 0; i < BENCH_I2C_ADDRS; i++)
		c->xfers[i] = atomic_long_read(&bench_xfers[i]);
	c->wire_bytes = atomic_long_read(&bench_wire_bytes);
}

/* Turns @now into the counts since @then; returns how many moved in @n */
static unsigned long bench_since(unsigned long *now, const unsigned long *then,
				 unsigned int count, unsigned int *n)
{
	unsigned long sum = 0;
	unsigned int i;

	*n = 0;
	for (i = 0; i < count; i++) {
		now[i] -= then[i];
		sum += now[i];
		*n += !!now[i];
	}

	return sum;
}

/* Sets @values on the lines the way @op does, and reads them back */
static int bench_set_and_read(enum bench_op op, struct gpio_descs *descs,
			      unsigned long *values, unsigned long *got)
{
	int ret;

	if (op == OP_GET || op == OP_SET) {
		ret = gpiod_set_value_cansleep(descs->desc[0],
					       test_bit(0, values));
		if (ret)
			return ret;
		ret = gpiod_get_value_cansleep(descs->desc[0]);
		if (ret < 0)
			return ret;
		bitmap_zero(got, 1);
		assign_bit(0, got, ret);
		return 0;
	}

	ret = gpiod_set_array_value_cansleep(descs->ndescs, descs->desc,
					     descs->info, values);
	if (ret)
		return ret;
	return gpiod_get_array_value_cansleep(descs->ndescs, descs->desc,
					      descs->info, got);
}

/*
 * Sets the lines to a pattern and to its complement and reads each back;
 * returns 1 when the reads gave what was set, 0 when not, or an errno.
 */
static int bench_check_values(enum bench_op op, struct gpio_descs *descs,
			      unsigned long *values)
{
	unsigned int n = descs->ndescs, round, i;
	int ret;

	unsigned long *got __free(bitmap) = bitmap_zalloc(n, GFP_KERNEL);
	if (!got)
		return -ENOMEM;

	for (round = 0; round < 2; round++) {
		bitmap_zero(values, n);
		for (i = 0; i < n; i++)
			assign_bit(i, values, (i % 3 == 0) ^ round);
		ret = bench_set_and_read(op, descs, values, got);
		if (ret)
			return ret;
		if (!bitmap_equal(values, got, op == OP_GET || op == OP_SET ? 1 : n)) {
			pr_err("%s: lines read back %*pb, set %*pb\n",
			       bench_ops[op], n, got, n, values);
			return 0;
		}
	}

	return 1;
}

static int bench_measure(enum bench_op op, struct gpio_descs *descs,
			 unsigned int iters, unsigned int repeats)
{
	unsigned int r, i, parents, addresses;
	unsigned long calls, xfers, bytes, ops;
	u64 ns[BENCH_MAX_REPEATS], t0;
	const char *checked = "-";
	int ret = 0;

	unsigned long *values __free(bitmap) = bitmap_zalloc(descs->ndescs,
							     GFP_KERNEL);
	if (!values)
		return -ENOMEM;

	bench_snapshot(&bench_then);
	for (r = 0; r < repeats && !ret; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < iters && !ret; i++)
			ret = bench_once(op, descs, values, i);
		ns[r] = ktime_get_ns() - t0;
		cond_resched();
	}
	bench_snapshot(&bench_now);
	if (ret) {
		/* r counts the failed run too: it is the run's number from 1 */
		pr_err("%s failed in run %u of %u: %pe\n", bench_ops[op], r,
		       repeats, ERR_PTR(ret));
		return ret;
	}

	if (bench_readback) {
		ret = bench_check_values(op, descs, values);
		if (ret < 0) {
			pr_err("%s: setting and reading back the lines failed: %pe\n",
			       bench_ops[op], ERR_PTR(ret));
			return ret;
		}
		checked = ret ? "ok" : "wrong";
	}

	sort(ns, repeats, sizeof(*ns), bench_cmp_u64, NULL);
	/* Per op, with two decimals for the counts */
	ops = (unsigned long)iters * repeats;
	calls = bench_since(bench_now.calls, bench_then.calls, BENCH_PARENTS,
			    &parents) * 100 / ops;
	xfers = bench_since(bench_now.xfers, bench_then.xfers, BENCH_I2C_ADDRS,
			    &addresses) * 100 / ops;
	bytes = (bench_now.wire_bytes - bench_then.wire_bytes) * 100 / ops;
	snprintf(bench_result, sizeof(bench_result),
		 "ns_per_op=%llu min=%llu max=%llu parent_calls=%lu.%02lu parents=%u transfers=%lu.%02lu addresses=%u wire_bytes=%lu.%02lu values=%s\n",
		 div_u64(ns[repeats / 2], iters), div_u64(ns[0], iters),
		 div_u64(ns[repeats - 1], iters), calls / 100, calls % 100,
		 parents, xfers / 100, xfers % 100, addresses,
		 bytes / 100, bytes % 100, checked);

	return 0;
}

static int bench_run(char *cmd)
{
	unsigned int iters, repeats;
	struct gpio_descs *descs;
	char *word;
	int op, ret;

	word = strsep(&cmd, " ");
	op = word ? match_string(bench_ops, ARRAY_SIZE(bench_ops), word) : -1;
	if (op < 0)
		return -EINVAL;
	word = strsep(&cmd, " ");
	if (!word || kstrtouint(word, 10, &iters) || !iters)
		return -EINVAL;
	word = strsep(&cmd, " ");
	if (!word || kstrtouint(word, 10, &repeats) || !repeats ||
	    repeats > BENCH_MAX_REPEATS || !cmd)
		return -EINVAL;

	struct gpiod_lookup_table *table __free(kvfree) =
		kvzalloc(struct_size(table, table, BENCH_MAX_LINES + 1),
			 GFP_KERNEL);
	if (!table)
		return -ENOMEM;

	ret = bench_parse_lines(table, cmd);
	if (ret < 0)
		return ret;

	table->dev_id = dev_name(bench_consumer);
	gpiod_add_lookup_table(table);
	descs = gpiod_get_array(bench_consumer, NULL, GPIOD_OUT_LOW);
	gpiod_remove_lookup_table(table);
	if (IS_ERR(descs))
		return PTR_ERR(descs);

	ret = bench_measure(op, descs, iters, repeats);
	gpiod_put_array(descs);

	return ret;
}

static ssize_t bench_run_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	int ret;

	char *cmd __free(kfree) = memdup_user_nul(ubuf, count);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);

	guard(mutex)(&bench_lock);
	bench_result[0] = '\0';
	ret = bench_run(strim(cmd));

	return ret ?: count;
}

static ssize_t bench_run_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	guard(mutex)(&bench_lock);

	return simple_read_from_buffer(ubuf, count, ppos, bench_result,
				       strlen(bench_result));
}

static const struct file_operations bench_run_fops = {
	.owner = THIS_MODULE,
	.read = bench_run_read,
	.write = bench_run_write,
};

static int __init bench_init(void)
{
	int ret;

	bench_provider = platform_device_register_simple("gpio-agg-bench", 0,
							 NULL, 0);
	if (IS_ERR(bench_provider))
		return PTR_ERR(bench_provider);

	/* devm on a device with no driver: freed on unregistration */
	ret = bench_add_parents(&bench_provider->dev);
	if (ret)
		goto err_provider;

	/* The device that requests the lines */
	bench_consumer = root_device_register("gpio-agg-bench-consumer");
	if (IS_ERR(bench_consumer)) {
		ret = PTR_ERR(bench_consumer);
		goto err_provider;
	}

	bench_count_stub();

	bench_dir = debugfs_create_dir("gpio-agg-bench", NULL);
	debugfs_create_file("run", 0600, bench_dir, NULL, &bench_run_fops);
	debugfs_create_bool("readback", 0600, bench_dir, &bench_readback);

	return 0;

err_provider:
	platform_device_unregister(bench_provider);
	return ret;
}
module_init(bench_init);

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	bench_uncount_stub();
	root_device_unregister(bench_consumer);
	platform_device_unregister(bench_provider);
}
module_exit(bench_exit);

MODULE_DESCRIPTION("Benchmark of GPIO forwarding (test tooling)");
MODULE_LICENSE("GPL");
