// SPDX-License-Identifier: GPL-2.0-only
/*
 * GPIO Aggregator
 *
 * Copyright (C) 2026 GPIO Aggregator Team <gpio-aggregator@localhost>
 *
 * Aggregates GPIO lines of existing chips into a new gpio_chip that forwards
 * every operation to them. An aggregator is created by writing a line spec
 * to the new_device attribute of the driver, by building it in configfs, or
 * from firmware: a device with a "gpios" property bound to this driver, and
 * the "gpio-delay" controller, which adds ramp delays to its lines.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/cleanup.h>
#include <linux/configfs.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/forwarder.h>
#include <linux/gpio/machine.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/overflow.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/time.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <kunit/visibility.h>

#include "gpio-aggregator.h"

#define DRV_NAME		"gpio-aggregator"

/* In a GPIO lookup table, U16_MAX as offset means "look the line up by name" */
#define AGGREGATOR_MAX_OFFSET	(U16_MAX - 1)
/* The number of lines of a gpio_chip is a u16 */
#define AGGREGATOR_MAX_LINES	U16_MAX

/* configfs passes on at most this many bytes of a write */
#define AGGREGATOR_CONFIGFS_WRITE_MAX	4095

/* Match data: the device is a gpio-delay controller */
#define AGGREGATOR_DELAY	BIT(0)

/*
 * GPIO forwarder
 *
 * A forwarder is a gpio_chip whose line at each offset forwards to a line
 * of another chip, its parent line. Offsets may stay without a parent line
 * (a sparse forwarder), and a driver may add and remove parent lines after
 * registering the chip, for example in its request and free callbacks.
 *
 * Multiple gets and sets are made with one gpiolib array call, with the
 * parent lines sorted by parent chip, so that gpiolib reaches each parent
 * chip once, whatever the order of the lines in the forwarder. The sort
 * takes time in proportion to the lines asked for and uses scratch space
 * allocated with the forwarder: the forwarder itself allocates nothing on
 * these paths, whatever the number of lines. gpiolib may: its array call
 * allocates two bitmaps per parent chip of more than
 * CONFIG_GPIOLIB_FASTPATH_LIMIT lines (512 by default), with GFP_KERNEL on
 * a chip that can sleep and GFP_ATOMIC on one that cannot, and fails with
 * -ENOMEM when that fails.
 *
 * The exported gpiochip_fwd_gpio_*() functions are the API; the static
 * fwd_chip_*() functions are the gpio_chip callbacks that call them.
 */

/**
 * struct gpiochip_fwd_group - the parent lines of a forwarder on one chip
 * @gdev: the parent GPIO device, or NULL for an unused entry; the parent
 *        lines keep it alive
 * @num: number of parent lines of the forwarder on @gdev
 */
struct gpiochip_fwd_group {
	struct gpio_device *gdev;
	unsigned int num;
};

/**
 * struct gpiochip_fwd - a GPIO chip forwarding to lines of other chips
 * @chip: the forwarding chip; its driver data is the forwarder
 * @data: the driver data given to gpiochip_fwd_register()
 * @registered: gpiochip_fwd_register() was called: the lock is initialised
 *              and taken to change the parent lines
 * @lock_key: lockdep class of the lock, one per forwarder, so that a
 *            forwarder over the lines of another is not taken for recursive
 *            locking
 * @mlock: the lock when @chip can sleep
 * @slock: the lock when @chip cannot sleep
 * @descs: the parent line at each offset, or NULL
 * @line_group: the index in @groups of the parent chip of each line
 * @groups: the parent chips, each with its number of lines
 * @num_groups: number of entries of @groups in use or freed
 * @grouped: the lines of each parent chip follow each other in offset
 *           order: a multiple get or set needs no sort
 * @group_pos: scratch: position in @tmp_descs of the next line of each group
 * @tmp_descs: scratch: the parent lines of a multiple get or set, sorted by
 *             parent chip
 * @tmp_offsets: scratch, for a multiple get: the offset in @chip of each
 *               line of @tmp_descs
 * @tmp_values: scratch: the value of each line of @tmp_descs
 */
struct gpiochip_fwd {
	struct gpio_chip chip;
	void *data;
	bool registered;
	struct lock_class_key lock_key;

	/*
	 * Once registered, the lock protects the parent lines (descs,
	 * line_group, groups, num_groups, grouped) against changes and the
	 * scratch buffers of the multiple get and set. When the chip cannot sleep,
	 * these may be called in atomic context: the lock is then a spinlock.
	 * Single-line operations read their parent line with READ_ONCE(): a
	 * line is not removed while in use.
	 */
	union {
		/* The lock when the chip can sleep */
		struct mutex mlock;
		/* The lock when it cannot */
		spinlock_t slock;
	};
	struct gpio_desc **descs;
	unsigned int *line_group;
	struct gpiochip_fwd_group *groups;
	unsigned int num_groups;
	bool grouped;

	unsigned int *group_pos;
	struct gpio_desc **tmp_descs;
	unsigned int *tmp_offsets;
	unsigned long *tmp_values;
};

static struct gpiochip_fwd *to_gpiochip_fwd(struct gpio_chip *chip)
{
	return container_of(chip, struct gpiochip_fwd, chip);
}

/* The parent line at @offset, or NULL. */
static struct gpio_desc *gpiochip_fwd_desc(struct gpiochip_fwd *fwd,
					   unsigned int offset)
{
	return READ_ONCE(fwd->descs[offset]);
}

/**
 * gpiochip_fwd_get_gpiochip() - get the GPIO chip of a forwarder
 * @fwd: the forwarder
 *
 * Before gpiochip_fwd_register(), the caller may change the chip: set its
 * line names, or replace some of its callbacks with its own, which call
 * the gpiochip_fwd_gpio_*() functions.
 *
 * Return: the forwarding GPIO chip.
 */
struct gpio_chip *gpiochip_fwd_get_gpiochip(struct gpiochip_fwd *fwd)
{
	return &fwd->chip;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_get_gpiochip, GPIO_FORWARDER);

/**
 * gpiochip_fwd_get_data() - get the driver data of a forwarder
 * @fwd: the forwarder
 *
 * gpiochip_get_data() on the forwarder's chip returns the forwarder; this
 * returns the data of the driver that registered it.
 *
 * Return: the data given to gpiochip_fwd_register().
 */
void *gpiochip_fwd_get_data(struct gpiochip_fwd *fwd)
{
	return fwd->data;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_get_data, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_request() - check that a line of a forwarder can be used
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * The request callback of the forwarder's chip. A driver whose own request
 * callback adds the parent line calls it after gpiochip_fwd_desc_add().
 *
 * Return: 0 when @offset has a parent line, -ENODEV when it has none.
 */
int gpiochip_fwd_gpio_request(struct gpiochip_fwd *fwd, unsigned int offset)
{
	return gpiochip_fwd_desc(fwd, offset) ? 0 : -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_request, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_get_direction() - get the direction of a forwarded line
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * Return: GPIO_LINE_DIRECTION_OUT or GPIO_LINE_DIRECTION_IN, as the parent
 * line is, -ENODEV when @offset has no parent line, or another negative
 * errno.
 */
int gpiochip_fwd_gpio_get_direction(struct gpiochip_fwd *fwd,
				    unsigned int offset)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	return desc ? gpiod_get_direction(desc) : -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_get_direction, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_direction_input() - make a forwarded line an input
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * Return: 0 on success, -ENODEV when @offset has no parent line, or another
 * negative errno.
 */
int gpiochip_fwd_gpio_direction_input(struct gpiochip_fwd *fwd,
				      unsigned int offset)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	return desc ? gpiod_direction_input(desc) : -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_direction_input, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_direction_output() - make a forwarded line an output
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 * @value: logical value to drive the parent line to
 *
 * Return: 0 on success, -ENODEV when @offset has no parent line, or another
 * negative errno.
 */
int gpiochip_fwd_gpio_direction_output(struct gpiochip_fwd *fwd,
				       unsigned int offset, int value)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	return desc ? gpiod_direction_output(desc, value) : -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_direction_output, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_get() - read a forwarded line
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * Return: the logical value of the parent line (0 or 1), -ENODEV when
 * @offset has no parent line, or another negative errno.
 */
int gpiochip_fwd_gpio_get(struct gpiochip_fwd *fwd, unsigned int offset)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	if (!desc)
		return -ENODEV;

	if (fwd->chip.can_sleep)
		return gpiod_get_value_cansleep(desc);

	return gpiod_get_value(desc);
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_get, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_set() - drive a forwarded line
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 * @value: logical value to drive the parent line to
 *
 * Return: 0 on success, -ENODEV when @offset has no parent line, or another
 * negative errno.
 */
int gpiochip_fwd_gpio_set(struct gpiochip_fwd *fwd, unsigned int offset,
			  int value)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	if (!desc)
		return -ENODEV;

	if (fwd->chip.can_sleep)
		return gpiod_set_value_cansleep(desc, value);

	return gpiod_set_value(desc, value);
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_set, GPIO_FORWARDER);

/*
 * Puts in tmp_descs the parent lines of the lines in @mask, those of one
 * parent chip next to each other, in the order of @mask within a chip: a
 * counting sort by group. When @bits is given (a set), bit i of tmp_values
 * is the value in @bits of tmp_descs[i]; otherwise (a get, whose values go
 * back to @bits by offset) tmp_offsets[i] is its offset in the forwarder's
 * chip. Returns how many lines it put, or -ENODEV when a line in
 * @mask has no parent line.
 */
static int gpiochip_fwd_gather(struct gpiochip_fwd *fwd,
			       const unsigned long *mask,
			       const unsigned long *bits)
{
	bool sorted = fwd->num_groups > 1 && !fwd->grouped;
	unsigned int *pos = fwd->group_pos;
	unsigned int offset, g, i, n = 0;

	if (sorted) {
		/* Count the lines of each group, then where each group starts */
		memset(pos, 0, fwd->num_groups * sizeof(*pos));
		for_each_set_bit(offset, mask, fwd->chip.ngpio) {
			if (!fwd->descs[offset])
				return -ENODEV;
			pos[fwd->line_group[offset]]++;
		}

		for (g = 0; g < fwd->num_groups; g++) {
			i = pos[g];
			pos[g] = n;
			n += i;
		}
	}

	n = 0;
	for_each_set_bit(offset, mask, fwd->chip.ngpio) {
		if (!fwd->descs[offset])
			return -ENODEV;

		i = sorted ? pos[fwd->line_group[offset]]++ : n;
		n++;
		fwd->tmp_descs[i] = fwd->descs[offset];
		if (bits)
			__assign_bit(i, fwd->tmp_values, test_bit(offset, bits));
		else
			fwd->tmp_offsets[i] = offset;
	}

	return n;
}

/*
 * The offset of the one line in @mask, or ngpio when it has none or more
 * than one: a single line takes gpiolib's single-line path, the fastest,
 * and needs neither the lock nor the scratch space.
 */
static unsigned int gpiochip_fwd_only_line(struct gpiochip_fwd *fwd,
					   const unsigned long *mask)
{
	unsigned int ngpio = fwd->chip.ngpio;
	unsigned int offset = find_first_bit(mask, ngpio);

	if (offset < ngpio && find_next_bit(mask, ngpio, offset + 1) < ngpio)
		return ngpio;

	return offset;
}

static int gpiochip_fwd_get_multiple_locked(struct gpiochip_fwd *fwd,
					    const unsigned long *mask,
					    unsigned long *bits)
{
	int i, n, ret;

	n = gpiochip_fwd_gather(fwd, mask, NULL);
	if (n <= 0)
		return n;

	if (fwd->chip.can_sleep)
		ret = gpiod_get_array_value_cansleep(n, fwd->tmp_descs, NULL,
						     fwd->tmp_values);
	else
		ret = gpiod_get_array_value(n, fwd->tmp_descs, NULL,
					    fwd->tmp_values);
	if (ret)
		return ret;

	for (i = 0; i < n; i++)
		__assign_bit(fwd->tmp_offsets[i], bits,
			     test_bit(i, fwd->tmp_values));

	return 0;
}

/**
 * gpiochip_fwd_gpio_get_multiple() - read several forwarded lines
 * @fwd: the forwarder
 * @mask: the lines to read, by offset in the forwarder's chip
 * @bits: where to store the logical values of the lines in @mask
 *
 * Reads the lines of each parent chip in one call, whatever the order of
 * the lines in the forwarder; a single line as gpiochip_fwd_gpio_get()
 * does. The forwarder allocates nothing here; gpiolib allocates two
 * bitmaps for each parent chip wider than CONFIG_GPIOLIB_FASTPATH_LIMIT
 * lines (GFP_ATOMIC when the forwarder cannot sleep).
 *
 * Return: 0 on success, -ENODEV when a line in @mask has no parent line,
 * -ENOMEM when gpiolib could not allocate, or another negative errno.
 */
int gpiochip_fwd_gpio_get_multiple(struct gpiochip_fwd *fwd,
				   unsigned long *mask, unsigned long *bits)
{
	unsigned int offset = gpiochip_fwd_only_line(fwd, mask);
	unsigned long flags;
	int ret;

	if (offset < fwd->chip.ngpio) {
		ret = gpiochip_fwd_gpio_get(fwd, offset);
		if (ret < 0)
			return ret;
		__assign_bit(offset, bits, ret);
		return 0;
	}

	if (fwd->chip.can_sleep) {
		guard(mutex)(&fwd->mlock);
		return gpiochip_fwd_get_multiple_locked(fwd, mask, bits);
	}

	/* Not a guard: sparse cannot follow one taken on one branch only */
	spin_lock_irqsave(&fwd->slock, flags);
	ret = gpiochip_fwd_get_multiple_locked(fwd, mask, bits);
	spin_unlock_irqrestore(&fwd->slock, flags);

	return ret;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_get_multiple, GPIO_FORWARDER);

static int gpiochip_fwd_set_multiple_locked(struct gpiochip_fwd *fwd,
					    const unsigned long *mask,
					    const unsigned long *bits)
{
	int n;

	n = gpiochip_fwd_gather(fwd, mask, bits);
	if (n <= 0)
		return n;

	if (fwd->chip.can_sleep)
		return gpiod_set_array_value_cansleep(n, fwd->tmp_descs, NULL,
						      fwd->tmp_values);

	return gpiod_set_array_value(n, fwd->tmp_descs, NULL, fwd->tmp_values);
}

/**
 * gpiochip_fwd_gpio_set_multiple() - drive several forwarded lines
 * @fwd: the forwarder
 * @mask: the lines to drive, by offset in the forwarder's chip
 * @bits: the logical values to drive the lines in @mask to
 *
 * Drives the lines of each parent chip in one call, whatever the order of
 * the lines in the forwarder; a single line as gpiochip_fwd_gpio_set()
 * does. As for gpiochip_fwd_gpio_get_multiple(), only gpiolib allocates,
 * and only for a parent chip wider than CONFIG_GPIOLIB_FASTPATH_LIMIT
 * lines.
 *
 * Return: 0 on success, -ENODEV when a line in @mask has no parent line,
 * -ENOMEM when gpiolib could not allocate, or another negative errno.
 */
int gpiochip_fwd_gpio_set_multiple(struct gpiochip_fwd *fwd,
				   unsigned long *mask, unsigned long *bits)
{
	unsigned int offset = gpiochip_fwd_only_line(fwd, mask);
	unsigned long flags;
	int ret;

	if (offset < fwd->chip.ngpio)
		return gpiochip_fwd_gpio_set(fwd, offset, test_bit(offset, bits));

	if (fwd->chip.can_sleep) {
		guard(mutex)(&fwd->mlock);
		return gpiochip_fwd_set_multiple_locked(fwd, mask, bits);
	}

	spin_lock_irqsave(&fwd->slock, flags);
	ret = gpiochip_fwd_set_multiple_locked(fwd, mask, bits);
	spin_unlock_irqrestore(&fwd->slock, flags);

	return ret;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_set_multiple, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_set_config() - configure a forwarded line
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 * @config: the configuration (bias, drive, debounce...), packed as for
 *          generic pin configuration
 *
 * Return: 0 on success, -ENOTSUPP when the parent chip does not support
 * @config, -ENODEV when @offset has no parent line, or another negative
 * errno.
 */
int gpiochip_fwd_gpio_set_config(struct gpiochip_fwd *fwd, unsigned int offset,
				 unsigned long config)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	return desc ? gpiod_set_config(desc, config) : -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_set_config, GPIO_FORWARDER);

/**
 * gpiochip_fwd_gpio_to_irq() - get the interrupt of a forwarded line
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * Return: the interrupt number of the parent line, -ENODEV when @offset has
 * no parent line, or another negative errno.
 */
int gpiochip_fwd_gpio_to_irq(struct gpiochip_fwd *fwd, unsigned int offset)
{
	struct gpio_desc *desc = gpiochip_fwd_desc(fwd, offset);

	return desc ? gpiod_to_irq(desc) : -ENODEV;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_gpio_to_irq, GPIO_FORWARDER);

static int fwd_chip_request(struct gpio_chip *chip, unsigned int offset)
{
	return gpiochip_fwd_gpio_request(to_gpiochip_fwd(chip), offset);
}

static int fwd_chip_get_direction(struct gpio_chip *chip, unsigned int offset)
{
	return gpiochip_fwd_gpio_get_direction(to_gpiochip_fwd(chip), offset);
}

static int fwd_chip_direction_input(struct gpio_chip *chip,
				    unsigned int offset)
{
	return gpiochip_fwd_gpio_direction_input(to_gpiochip_fwd(chip), offset);
}

static int fwd_chip_direction_output(struct gpio_chip *chip,
				     unsigned int offset, int value)
{
	return gpiochip_fwd_gpio_direction_output(to_gpiochip_fwd(chip), offset,
						  value);
}

static int fwd_chip_get(struct gpio_chip *chip, unsigned int offset)
{
	return gpiochip_fwd_gpio_get(to_gpiochip_fwd(chip), offset);
}

static int fwd_chip_set(struct gpio_chip *chip, unsigned int offset, int value)
{
	return gpiochip_fwd_gpio_set(to_gpiochip_fwd(chip), offset, value);
}

static int fwd_chip_get_multiple(struct gpio_chip *chip, unsigned long *mask,
				 unsigned long *bits)
{
	return gpiochip_fwd_gpio_get_multiple(to_gpiochip_fwd(chip), mask, bits);
}

static int fwd_chip_set_multiple(struct gpio_chip *chip, unsigned long *mask,
				 unsigned long *bits)
{
	return gpiochip_fwd_gpio_set_multiple(to_gpiochip_fwd(chip), mask, bits);
}

static int fwd_chip_set_config(struct gpio_chip *chip, unsigned int offset,
			       unsigned long config)
{
	return gpiochip_fwd_gpio_set_config(to_gpiochip_fwd(chip), offset,
					    config);
}

static int fwd_chip_to_irq(struct gpio_chip *chip, unsigned int offset)
{
	return gpiochip_fwd_gpio_to_irq(to_gpiochip_fwd(chip), offset);
}

static void gpiochip_fwd_kvfree(void *ptr)
{
	kvfree(ptr);
}

/* A zeroed array freed with @dev; kvmalloc, as it grows with the lines. */
static void *gpiochip_fwd_devm_kvcalloc(struct device *dev, size_t n,
					size_t size)
{
	void *ptr = kvcalloc(n, size, GFP_KERNEL);

	if (!ptr || devm_add_action_or_reset(dev, gpiochip_fwd_kvfree, ptr))
		return NULL;

	return ptr;
}

static void gpiochip_fwd_unregister_key(void *key)
{
	lockdep_unregister_key(key);
}

/* The per-line arrays: parent lines, their groups and the scratch space. */
static int gpiochip_fwd_alloc_lines(struct device *dev,
				    struct gpiochip_fwd *fwd,
				    unsigned int ngpios)
{
	fwd->descs = gpiochip_fwd_devm_kvcalloc(dev, ngpios,
						sizeof(*fwd->descs));
	fwd->line_group = gpiochip_fwd_devm_kvcalloc(dev, ngpios,
						     sizeof(*fwd->line_group));
	/* At most one group per line */
	fwd->groups = gpiochip_fwd_devm_kvcalloc(dev, ngpios,
						 sizeof(*fwd->groups));
	fwd->group_pos = gpiochip_fwd_devm_kvcalloc(dev, ngpios,
						    sizeof(*fwd->group_pos));
	fwd->tmp_descs = gpiochip_fwd_devm_kvcalloc(dev, ngpios,
						    sizeof(*fwd->tmp_descs));
	fwd->tmp_offsets = gpiochip_fwd_devm_kvcalloc(dev, ngpios,
						      sizeof(*fwd->tmp_offsets));
	fwd->tmp_values = gpiochip_fwd_devm_kvcalloc(dev, BITS_TO_LONGS(ngpios),
						     sizeof(unsigned long));
	if (!fwd->descs || !fwd->line_group || !fwd->groups ||
	    !fwd->group_pos || !fwd->tmp_descs || !fwd->tmp_offsets ||
	    !fwd->tmp_values)
		return -ENOMEM;

	return 0;
}

/**
 * devm_gpiochip_fwd_alloc() - allocate a GPIO forwarder
 * @dev: the device of the forwarder: parent of its chip, owner of its memory
 * @ngpios: number of lines of the forwarder
 *
 * Allocates a forwarder whose chip, labelled with the name of @dev, has
 * @ngpios lines, each forwarding every operation to the parent line added
 * at its offset with gpiochip_fwd_desc_add(). All the memory the forwarder
 * will need is allocated here, and freed when @dev is unbound.
 *
 * Return: the forwarder, or an ERR_PTR(): -EINVAL when @ngpios is 0 or more
 * than a GPIO chip can have, -ENOMEM.
 */
struct gpiochip_fwd *devm_gpiochip_fwd_alloc(struct device *dev,
					     unsigned int ngpios)
{
	struct gpiochip_fwd *fwd;
	struct gpio_chip *chip;
	int ret;

	if (!ngpios || ngpios > AGGREGATOR_MAX_LINES)
		return ERR_PTR(-EINVAL);

	fwd = devm_kzalloc(dev, sizeof(*fwd), GFP_KERNEL);
	if (!fwd)
		return ERR_PTR(-ENOMEM);

	ret = gpiochip_fwd_alloc_lines(dev, fwd, ngpios);
	if (ret)
		return ERR_PTR(ret);

	/* Unregistered after the chip is removed: devm undoes in reverse */
	lockdep_register_key(&fwd->lock_key);
	ret = devm_add_action_or_reset(dev, gpiochip_fwd_unregister_key,
				       &fwd->lock_key);
	if (ret)
		return ERR_PTR(ret);

	chip = &fwd->chip;
	chip->label = dev_name(dev);
	chip->parent = dev;
	chip->owner = THIS_MODULE;
	chip->base = -1;
	chip->ngpio = ngpios;
	chip->request = fwd_chip_request;
	chip->get_direction = fwd_chip_get_direction;
	chip->direction_input = fwd_chip_direction_input;
	chip->direction_output = fwd_chip_direction_output;
	chip->get = fwd_chip_get;
	chip->get_multiple = fwd_chip_get_multiple;
	chip->set_rv = fwd_chip_set;
	chip->set_multiple_rv = fwd_chip_set_multiple;
	chip->set_config = fwd_chip_set_config;
	chip->to_irq = fwd_chip_to_irq;

	return fwd;
}
EXPORT_SYMBOL_NS_GPL(devm_gpiochip_fwd_alloc, GPIO_FORWARDER);

/* Puts @desc at @offset, in the group of its chip. */
static void gpiochip_fwd_attach(struct gpiochip_fwd *fwd,
				struct gpio_desc *desc, unsigned int offset)
{
	struct gpio_device *gdev = gpiod_to_gpio_device(desc);
	unsigned int g, unused = fwd->num_groups;

	for (g = 0; g < fwd->num_groups; g++) {
		if (fwd->groups[g].gdev == gdev)
			break;
		if (!fwd->groups[g].gdev && unused == fwd->num_groups)
			unused = g;
	}

	if (g == fwd->num_groups) {
		g = unused;
		if (g == fwd->num_groups)
			fwd->num_groups++;
		fwd->groups[g].gdev = gdev;
	}

	fwd->groups[g].num++;
	fwd->line_group[offset] = g;
	WRITE_ONCE(fwd->descs[offset], desc);
}

/*
 * Finds out whether the lines of each parent chip follow each other, so
 * that the lines of any mask, in offset order, are already sorted by chip.
 * Uses group_pos as scratch: called with the lock held, or before
 * registration.
 */
static void gpiochip_fwd_update_grouped(struct gpiochip_fwd *fwd)
{
	unsigned int offset, g, prev = UINT_MAX;
	unsigned int *seen = fwd->group_pos;

	memset(seen, 0, fwd->num_groups * sizeof(*seen));
	fwd->grouped = true;
	for (offset = 0; offset < fwd->chip.ngpio; offset++) {
		if (!fwd->descs[offset])
			continue;

		g = fwd->line_group[offset];
		if (g == prev)
			continue;
		if (seen[g]) {
			fwd->grouped = false;
			return;
		}
		seen[g] = 1;
		prev = g;
	}
}

/* Takes the line at @offset out of its group and returns it. */
static struct gpio_desc *gpiochip_fwd_detach(struct gpiochip_fwd *fwd,
					     unsigned int offset)
{
	struct gpio_desc *desc = fwd->descs[offset];
	struct gpiochip_fwd_group *group;

	if (!desc)
		return NULL;

	group = &fwd->groups[fwd->line_group[offset]];
	if (!--group->num)
		group->gdev = NULL;
	WRITE_ONCE(fwd->descs[offset], NULL);
	if (fwd->registered)
		gpiochip_fwd_update_grouped(fwd);

	return desc;
}

static int gpiochip_fwd_add_checked(struct gpiochip_fwd *fwd,
				    struct gpio_desc *desc, unsigned int offset)
{
	if (fwd->descs[offset])
		return -EEXIST;

	gpiochip_fwd_attach(fwd, desc, offset);
	if (fwd->registered)
		gpiochip_fwd_update_grouped(fwd);

	return 0;
}

/**
 * gpiochip_fwd_desc_add() - add a parent line to a forwarder
 * @fwd: the forwarder
 * @desc: the line to forward to, requested by the caller; it may be handed
 *        over to the forwarder with gpiochip_fwd_desc_free(), else the
 *        caller keeps it requested as long as it is in the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * May be called before and after gpiochip_fwd_register(). Before, a line
 * that can sleep makes the forwarder's chip a sleeping one. After, the chip
 * is what it is: a forwarder registered with an empty offset can sleep and
 * takes any line; one registered full of lines that do not sleep cannot,
 * and refuses a line that can. Does not sleep when the forwarder's chip
 * cannot.
 *
 * Return: 0 on success, -EINVAL when @desc or @offset is invalid or @desc
 * sleeps on a registered chip that cannot, -EEXIST when @offset already
 * has a parent line.
 */
int gpiochip_fwd_desc_add(struct gpiochip_fwd *fwd, struct gpio_desc *desc,
			  unsigned int offset)
{
	struct gpio_chip *chip = &fwd->chip;
	unsigned long flags;
	int ret;

	if (IS_ERR_OR_NULL(desc) || offset >= chip->ngpio)
		return -EINVAL;

	if (!fwd->registered) {
		if (gpiod_cansleep(desc))
			chip->can_sleep = true;

		return gpiochip_fwd_add_checked(fwd, desc, offset);
	}

	if (chip->can_sleep) {
		guard(mutex)(&fwd->mlock);
		return gpiochip_fwd_add_checked(fwd, desc, offset);
	}

	if (gpiod_cansleep(desc))
		return -EINVAL;

	spin_lock_irqsave(&fwd->slock, flags);
	ret = gpiochip_fwd_add_checked(fwd, desc, offset);
	spin_unlock_irqrestore(&fwd->slock, flags);

	return ret;
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_desc_add, GPIO_FORWARDER);

/**
 * gpiochip_fwd_desc_free() - remove a parent line from a forwarder
 * @fwd: the forwarder
 * @offset: offset of the line in the forwarder's chip
 *
 * Removes the parent line at @offset and releases it with gpiod_put(): a
 * line that the caller requested with gpiod_get() or the like, not with a
 * devm_ function, is handed over to the forwarder this way. Does nothing
 * when @offset has no parent line or is out of range. May sleep.
 */
void gpiochip_fwd_desc_free(struct gpiochip_fwd *fwd, unsigned int offset)
{
	struct gpio_desc *desc;
	unsigned long flags;

	if (offset >= fwd->chip.ngpio)
		return;

	if (!fwd->registered) {
		desc = gpiochip_fwd_detach(fwd, offset);
	} else if (fwd->chip.can_sleep) {
		scoped_guard(mutex, &fwd->mlock)
			desc = gpiochip_fwd_detach(fwd, offset);
	} else {
		spin_lock_irqsave(&fwd->slock, flags);
		desc = gpiochip_fwd_detach(fwd, offset);
		spin_unlock_irqrestore(&fwd->slock, flags);
	}

	/* Outside the lock: releasing a line may sleep */
	if (desc)
		gpiod_put(desc);
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_desc_free, GPIO_FORWARDER);

static bool gpiochip_fwd_is_full(struct gpiochip_fwd *fwd)
{
	unsigned int offset;

	for (offset = 0; offset < fwd->chip.ngpio; offset++) {
		if (!fwd->descs[offset])
			return false;
	}

	return true;
}

/**
 * gpiochip_fwd_register() - register the GPIO chip of a forwarder
 * @fwd: the forwarder
 * @data: driver data, returned by gpiochip_fwd_get_data()
 *
 * Registers the chip with the forwarder as its driver data: gpiochip_get_data()
 * on the chip returns @fwd. Offsets without a parent line are allowed (a
 * sparse forwarder): requesting them fails with -ENODEV until a line is
 * added there. Values are logical: the active-low flag of each parent line
 * applies. The chip is removed when the forwarder's device is unbound.
 *
 * Whether the chip can sleep is settled here, for good. It can when any
 * parent line added so far can, and when any offset is still empty: the
 * lines added later may sleep (an I2C or SPI expander), and so may the
 * callbacks of a driver that adds them at request time. Only a forwarder
 * full of lines that do not sleep gets a chip that never sleeps, usable
 * in atomic context, its multiple gets and sets under a spinlock.
 *
 * Return: 0 on success, or a negative errno.
 */
int gpiochip_fwd_register(struct gpiochip_fwd *fwd, void *data)
{
	struct gpio_chip *chip = &fwd->chip;
	struct device *dev = chip->parent;
	int ret;

	if (!gpiochip_fwd_is_full(fwd))
		chip->can_sleep = true;

	if (chip->can_sleep) {
		ret = devm_mutex_init(dev, &fwd->mlock);
		if (ret)
			return ret;
		lockdep_set_class(&fwd->mlock, &fwd->lock_key);
	} else {
		spin_lock_init(&fwd->slock);
		lockdep_set_class(&fwd->slock, &fwd->lock_key);
	}

	gpiochip_fwd_update_grouped(fwd);
	fwd->data = data;
	fwd->registered = true;

	return devm_gpiochip_add_data(dev, chip, fwd);
}
EXPORT_SYMBOL_NS_GPL(gpiochip_fwd_register, GPIO_FORWARDER);

/*
 * Line spec parser (new_device)
 *
 * A spec is a list of tokens separated by whitespace; a token in double
 * quotes may hold whitespace: a line name such as "Door Lock". Whitespace
 * is ASCII whitespace only (see gpio_aggregator_is_blank()), so that UTF-8
 * names pass whole. "<key> <offsets>" are lines of a chip, "<key>"
 * alone is a line looked up by name. <offsets> is a comma-separated list
 * of offsets and ranges ("0,3,5-7"), kept in the order written. A token
 * that follows a key and has only digits, commas and dashes is an offset
 * list; any other token is a key. A key followed by a key, or last, is a
 * line name. A token may not hold control characters.
 *
 * Messages quote at most 64 bytes of what was written: printk cuts a longer
 * message before its newline, and such a message stays unseen until the
 * next one.
 */

/**
 * struct gpio_aggregator_parser - state of the parser
 * @specs: where to record the lines, or NULL to only count them
 * @num: number of lines found so far
 */
struct gpio_aggregator_parser {
	struct gpio_aggregator_spec *specs;
	unsigned int num;
};

static int gpio_aggregator_parser_add(struct gpio_aggregator_parser *parser,
				      const char *key, int offset,
				      const char *token)
{
	if (parser->num == AGGREGATOR_MAX_LINES) {
		if (offset < 0)
			pr_err("too many GPIO lines at '%.64s'\n", key);
		else
			pr_err("too many GPIO lines at '%.64s %.64s'\n", key,
			       token);
		return -EINVAL;
	}

	if (parser->specs) {
		parser->specs[parser->num].key = key;
		parser->specs[parser->num].offset = offset;
		parser->specs[parser->num].token = token;
	}
	parser->num++;

	return 0;
}

static bool gpio_aggregator_is_offset_list(const char *token)
{
	return strspn(token, "0123456789,-") == strlen(token);
}

/* Parses one decimal offset. */
static int gpio_aggregator_parse_offset(const char *s, unsigned int *offset)
{
	int ret;

	ret = kstrtouint(s, 10, offset);
	if (ret)
		return ret;

	return *offset > AGGREGATOR_MAX_OFFSET ? -ERANGE : 0;
}

/* Parses an offset or a range ("a-b", a <= b) of an offset list. */
static int gpio_aggregator_parse_range(char *elem, unsigned int *first,
				       unsigned int *last)
{
	char *dash = strchr(elem, '-');
	int ret;

	if (!dash) {
		ret = gpio_aggregator_parse_offset(elem, first);
		*last = *first;
		return ret;
	}

	*dash = '\0';
	ret = gpio_aggregator_parse_offset(elem, first) ?:
	      gpio_aggregator_parse_offset(dash + 1, last);
	*dash = '-';
	if (ret)
		return ret;

	return *first <= *last ? 0 : -EINVAL;
}

static int gpio_aggregator_parse_offsets(struct gpio_aggregator_parser *parser,
					 const char *key, const char *token)
{
	unsigned int first, last, offset;
	char *elem, *rest;
	int ret;

	char *list __free(kfree) = kstrdup(token, GFP_KERNEL);
	if (!list)
		return -ENOMEM;

	rest = list;
	while ((elem = strsep(&rest, ","))) {
		ret = gpio_aggregator_parse_range(elem, &first, &last);
		if (ret) {
			pr_err("invalid GPIO offset '%.64s' in '%.64s %.64s'\n", elem,
			       key, token);
			return -EINVAL;
		}

		for (offset = first; offset <= last; offset++) {
			ret = gpio_aggregator_parser_add(parser, key, offset,
							 token);
			if (ret)
				return ret;
		}
	}

	return 0;
}

/*
 * The first control character of @s (below 0x20, or DEL), or NUL. Bytes
 * from 0x80 up are allowed: names may be UTF-8.
 */
static char gpio_aggregator_find_cntrl(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return *s;
	}

	return 0;
}

/*
 * Why the @count bytes written to an attribute at @buf cannot be taken, or
 * NULL. A NUL would silently end the value. @max is the most bytes of a
 * write that sysfs or configfs pass on: a value that long may have been cut.
 */
static const char *gpio_aggregator_bad_write(const char *buf, size_t count,
					     size_t max)
{
	if (count >= max)
		return "too long";
	if (memchr(buf, '\0', count))
		return "NUL byte in the value written";

	return NULL;
}

static unsigned int gpio_aggregator_count_quotes(const char *s)
{
	unsigned int n = 0;

	while ((s = strchr(s, '"'))) {
		n++;
		s++;
	}

	return n;
}

/*
 * Whitespace as the parsers of this driver see it: ASCII's only. The
 * kernel's isspace() is also true for byte 0xa0 (a Latin-1 no-break
 * space), which ends the UTF-8 encoding of characters such as "à"
 * (c3 a0): next_arg(), skip_spaces() and strim() would cut such a name.
 */
static bool gpio_aggregator_is_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static char *gpio_aggregator_skip_blanks(char *s)
{
	while (gpio_aggregator_is_blank(*s))
		s++;

	return s;
}

/* Drops the whitespace at both ends of @s, in place; returns @s. */
static char *gpio_aggregator_trim(char *s)
{
	char *start = gpio_aggregator_skip_blanks(s);
	size_t len = strlen(start);

	while (len && gpio_aggregator_is_blank(start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';

	return s;
}

/*
 * Cuts the next token off *@args in place and returns it, or NULL when
 * only whitespace is left. Quotes that enclose a whole token are not part
 * of it; a quote anywhere else stays in the token, for the caller to
 * refuse.
 */
static char *gpio_aggregator_next_token(char **args)
{
	char *start = gpio_aggregator_skip_blanks(*args);
	char *end;

	if (!*start)
		return NULL;

	if (*start == '"') {
		end = strchr(start + 1, '"');
		if (end && (!end[1] || gpio_aggregator_is_blank(end[1]))) {
			*end = '\0';
			*args = end + 1;
			return start + 1;
		}
	}

	end = start;
	while (*end && !gpio_aggregator_is_blank(*end))
		end++;
	*args = *end ? end + 1 : end;
	*end = '\0';

	return start;
}

/*
 * Splits @buf in place into at most @max tokens. Quotes may enclose a
 * whole token and nothing else. Returns the number of tokens, or -EINVAL.
 */
static int gpio_aggregator_split(char *buf, char **tokens, unsigned int max)
{
	char *args = buf, *token;
	unsigned int n = 0;

	if (gpio_aggregator_count_quotes(buf) % 2) {
		pr_err("unbalanced quote in '%.64s'\n", gpio_aggregator_trim(buf));
		return -EINVAL;
	}

	while (n < max && (token = gpio_aggregator_next_token(&args))) {
		if (!*token) {
			pr_err("empty quoted GPIO line name\n");
			return -EINVAL;
		}
		if (strchr(token, '"')) {
			pr_err("quote inside GPIO line spec token '%.64s'\n", token);
			return -EINVAL;
		}
		if (gpio_aggregator_find_cntrl(token)) {
			pr_err("control character 0x%02x in GPIO line spec token %u\n",
			       gpio_aggregator_find_cntrl(token), n + 1);
			return -EINVAL;
		}

		tokens[n++] = token;
	}

	return n;
}

static int gpio_aggregator_parse_tokens(struct gpio_aggregator_parser *parser,
					char *const *tokens, unsigned int num)
{
	const char *key = NULL;
	unsigned int i;
	int ret;

	for (i = 0; i < num; i++) {
		if (key && gpio_aggregator_is_offset_list(tokens[i])) {
			ret = gpio_aggregator_parse_offsets(parser, key,
							    tokens[i]);
			key = NULL;
		} else {
			/* A key followed by a key is a line name */
			ret = key ? gpio_aggregator_parser_add(parser, key, -1,
							       key) : 0;
			key = tokens[i];
		}
		if (ret)
			return ret;
	}

	if (key)
		return gpio_aggregator_parser_add(parser, key, -1, key);

	return 0;
}

static bool gpio_aggregator_spec_equal(const struct gpio_aggregator_spec *a,
				       const struct gpio_aggregator_spec *b)
{
	return a->offset == b->offset && !strcmp(a->key, b->key);
}

/* Orders indexes into an array of specs by key, offset and index. */
static int gpio_aggregator_cmp_specs(const void *a, const void *b,
				     const void *priv)
{
	const struct gpio_aggregator_spec *specs = priv;
	unsigned int i = *(const unsigned int *)a;
	unsigned int j = *(const unsigned int *)b;
	int ret;

	ret = strcmp(specs[i].key, specs[j].key);
	if (ret)
		return ret;

	if (specs[i].offset != specs[j].offset)
		return specs[i].offset < specs[j].offset ? -1 : 1;

	return i < j ? -1 : 1;
}

/* Fails on the first line, in spec order, that repeats an earlier one. */
static int gpio_aggregator_check_duplicates(const struct gpio_aggregator_spec *specs,
					    unsigned int num)
{
	const struct gpio_aggregator_spec *dup;
	unsigned int i, first = UINT_MAX;

	unsigned int *order __free(kvfree) =
		kvmalloc_array(num, sizeof(*order), GFP_KERNEL);
	if (!order)
		return -ENOMEM;

	for (i = 0; i < num; i++)
		order[i] = i;

	sort_r(order, num, sizeof(*order), gpio_aggregator_cmp_specs, NULL,
	       specs);

	for (i = 1; i < num; i++) {
		if (gpio_aggregator_spec_equal(&specs[order[i - 1]],
					       &specs[order[i]]))
			first = min(first, order[i]);
	}

	if (first == UINT_MAX)
		return 0;

	dup = &specs[first];
	if (dup->offset < 0)
		pr_err("duplicate GPIO line '%.64s'\n", dup->key);
	else
		pr_err("duplicate GPIO line %d of '%.64s' in '%.64s %.64s'\n",
		       dup->offset, dup->key, dup->key, dup->token);

	return -EINVAL;
}

/**
 * gpio_aggregator_parse_spec() - parse a new_device line spec
 * @buf: the spec, a NUL-terminated string; split into tokens in place
 * @specs: set to the lines found, which point into @buf; free with kvfree()
 *
 * On a syntax error, logs one line naming the token at fault.
 *
 * Return: the number of lines, -EINVAL on a syntax error, -ENOMEM.
 */
VISIBLE_IF_KUNIT int gpio_aggregator_parse_spec(char *buf,
						struct gpio_aggregator_spec **specs)
{
	struct gpio_aggregator_parser parser = { };
	int num_tokens, ret;

	/* A token takes at least one character and one separator */
	char **tokens __free(kvfree) =
		kvmalloc_array(strlen(buf) / 2 + 1, sizeof(*tokens), GFP_KERNEL);
	if (!tokens)
		return -ENOMEM;

	num_tokens = gpio_aggregator_split(buf, tokens, strlen(buf) / 2 + 1);
	if (num_tokens < 0)
		return num_tokens;

	/* Check and count the lines, then record them */
	ret = gpio_aggregator_parse_tokens(&parser, tokens, num_tokens);
	if (ret)
		return ret;

	if (!parser.num) {
		pr_err("no GPIO line given\n");
		return -EINVAL;
	}

	struct gpio_aggregator_spec *lines __free(kvfree) =
		kvcalloc(parser.num, sizeof(*lines), GFP_KERNEL);
	if (!lines)
		return -ENOMEM;

	parser.specs = lines;
	parser.num = 0;
	ret = gpio_aggregator_parse_tokens(&parser, tokens, num_tokens);
	if (ret)
		return ret;

	ret = gpio_aggregator_check_duplicates(lines, parser.num);
	if (ret)
		return ret;

	*specs = no_free_ptr(lines);

	return parser.num;
}
EXPORT_SYMBOL_IF_KUNIT(gpio_aggregator_parse_spec);

/*
 * Aggregators made through sysfs and configfs
 */

/**
 * struct gpio_aggregator - an aggregator made through sysfs or configfs
 * @group: its configfs directory
 * @id: id of its platform device, named "gpio-aggregator.<id>"
 * @init_via_sysfs: made through new_device; its directory is "_sysfs.<id>"
 * @lock: see the comment in the structure
 * @pdev: its platform device while registered (bound, or waiting for a
 *        deferred probe), else NULL
 * @probe_sync: the probe of @pdev must not defer, but fail: set for
 *              configfs until its first probe succeeded
 * @probe_err: result of the last probe of @pdev, written by the probe
 * @lines: its lines, sorted by index
 */
struct gpio_aggregator {
	struct config_group group;
	int id;
	bool init_via_sysfs;

	/*
	 * Protects pdev, probe_sync, the list of lines and the attributes of
	 * the lines. While pdev is set, the lines and their attributes do not
	 * change: the probe of pdev reads them without the lock. The probe
	 * writes probe_err with WRITE_ONCE(), read after it with READ_ONCE();
	 * it reads probe_sync with READ_ONCE() and clears it with WRITE_ONCE()
	 * once it succeeded: a probe tried again after a parent controller
	 * came back may run while the lock is held.
	 */
	struct mutex lock;
	struct platform_device *pdev;
	bool probe_sync;
	int probe_err;
	struct list_head lines;
};

/**
 * struct gpio_aggregator_line - a line of an aggregator
 * @group: its configfs directory, "line<idx>"
 * @parent: the aggregator, which outlives its lines
 * @entry: entry in &gpio_aggregator.lines
 * @idx: offset of the line in the aggregated chip
 * @key: label or device name of the parent chip, or name of the parent
 *       line, or NULL when not set yet
 * @offset: offset of the line in the parent chip, or -1 when @key is the
 *          name of the line
 * @name: name of the aggregated line, or NULL
 * @active_low: the aggregated line is the inverse of the parent line
 *
 * The fields but @group, @parent and @idx are protected by the lock of
 * @parent.
 */
struct gpio_aggregator_line {
	struct config_group group;
	struct gpio_aggregator *parent;
	struct list_head entry;
	unsigned int idx;
	char *key;
	int offset;
	char *name;
	bool active_low;
};

/**
 * struct gpio_aggregator_pdata - platform data of an aggregator's device
 * @aggr: the aggregator, which unregisters the device before going away
 */
struct gpio_aggregator_pdata {
	struct gpio_aggregator *aggr;
};

/*
 * The type of the platform devices that this driver registers for the
 * aggregators made through sysfs and configfs. The probe trusts platform
 * data on these alone: driver_override can bind any platform device.
 */
static const struct device_type gpio_aggregator_pdev_type = {
	.name = DRV_NAME,
};

/*
 * Maps the id of each aggregator to it. The entry of an aggregator made
 * through sysfs is NULL until it is set up and once its deletion started.
 * Protected by gpio_aggregator_lock, under which no other lock is taken.
 */
static DEFINE_IDR(gpio_aggregator_idr);
static DEFINE_MUTEX(gpio_aggregator_lock);

static int gpio_aggregator_alloc_id(struct gpio_aggregator *aggr)
{
	guard(mutex)(&gpio_aggregator_lock);

	return idr_alloc(&gpio_aggregator_idr,
			 aggr->init_via_sysfs ? NULL : aggr, 0, 0, GFP_KERNEL);
}

static struct gpio_aggregator *gpio_aggregator_alloc(bool init_via_sysfs)
{
	int id;

	struct gpio_aggregator *aggr __free(kfree) =
		kzalloc(sizeof(*aggr), GFP_KERNEL);
	if (!aggr)
		return ERR_PTR(-ENOMEM);

	aggr->init_via_sysfs = init_via_sysfs;
	mutex_init(&aggr->lock);
	INIT_LIST_HEAD(&aggr->lines);

	id = gpio_aggregator_alloc_id(aggr);
	if (id < 0) {
		mutex_destroy(&aggr->lock);
		return ERR_PTR(id);
	}

	aggr->id = id;

	return no_free_ptr(aggr);
}

static void gpio_aggregator_release_id(int id)
{
	guard(mutex)(&gpio_aggregator_lock);

	idr_remove(&gpio_aggregator_idr, id);
}

/* Frees @aggr, which nothing else refers to any more, and its id. */
static void gpio_aggregator_free(struct gpio_aggregator *aggr)
{
	/* First: delete_device looks an aggregator up by its id */
	gpio_aggregator_release_id(aggr->id);
	mutex_destroy(&aggr->lock);
	kfree(aggr);
}

/*
 * A new line at offset @idx of the aggregated chip, with no key yet: one
 * whose key is set alone is a line name (offset -1). Not in the lines of
 * @aggr until gpio_aggregator_line_add().
 */
static struct gpio_aggregator_line *
gpio_aggregator_new_line(struct gpio_aggregator *aggr, unsigned int idx)
{
	struct gpio_aggregator_line *line = kzalloc(sizeof(*line), GFP_KERNEL);

	if (line) {
		*line = (struct gpio_aggregator_line) {
			.parent = aggr,
			.idx = idx,
			.offset = -1,
		};
	}

	return line;
}

static void gpio_aggregator_line_free(struct gpio_aggregator_line *line)
{
	kfree(line->key);
	kfree(line->name);
	kfree(line);
}

/* Inserts @line in the lines of @aggr, sorted by index. */
static void gpio_aggregator_line_add(struct gpio_aggregator *aggr,
				     struct gpio_aggregator_line *line)
{
	struct gpio_aggregator_line *pos;

	lockdep_assert_held(&aggr->lock);

	/* From the end: lines are mostly added in order */
	list_for_each_entry_reverse(pos, &aggr->lines, entry) {
		if (pos->idx < line->idx)
			break;
	}
	list_add(&line->entry, &pos->entry);
}

/*
 * Parent controllers that go away
 *
 * The device of an aggregator is a consumer of the device of each parent
 * GPIO controller, through a managed device link. Before a parent's driver
 * unbinds (its device is unregistered, as gpio-sim does when "live" goes to
 * 0, or its driver is unbound), the driver core unbinds the aggregator: the
 * aggregated chip goes first, while the parent lines still exist, and its
 * users get -ENODEV from then on, never values of lines that are gone.
 *
 * An aggregator unbound that way tries to probe again from a work item: the
 * probe defers until the parent lines can be found again, and the driver
 * core retries it whenever a driver binds, so the aggregator comes back
 * with the same lines when its parents do.
 *
 * That probe may run while the parent is still unbinding: the driver core
 * lets go of the parent's device lock while it unbinds the consumers, so
 * nothing the work could wait for marks the end of the parent's unbinding.
 * The probe then links to the parent again, finds the link in the state
 * "supplier unbinding" and defers. The link is one that the driver core
 * removes when the supplier's driver is gone (DL_FLAG_AUTOREMOVE_SUPPLIER):
 * a link that is to go with the consumer's driver instead, still there at
 * that point, is one the driver core warns about.
 */

/**
 * struct gpio_aggregator_reprobe - a probe to try again after an unbinding
 * @work: runs the probe
 * @dev: the device to probe, referenced until then
 */
struct gpio_aggregator_reprobe {
	struct work_struct work;
	struct device *dev;
};

/**
 * struct gpio_aggregator_parents - the links of a bound aggregator's device
 * @dev: the device of the aggregator, the consumer of the links
 * @links: the link to the device of each parent controller, once each
 * @num: number of entries of @links in use
 * @reprobe: allocated once the probe succeeded, so that an unbinding never
 *           fails to queue it; then owned by the work queued, if any
 *
 * Freed with the binding of @dev. The links outlive it: the driver core
 * removes them when the parent's driver unbinds or either device goes.
 */
struct gpio_aggregator_parents {
	struct device *dev;
	struct device_link **links;
	unsigned int num;
	struct gpio_aggregator_reprobe *reprobe;
};

/* Runs the probes tried again; drained before the module goes away. */
static struct workqueue_struct *gpio_aggregator_wq;

static struct gpio_aggregator_parents *
gpio_aggregator_parents_alloc(struct device *dev, unsigned int max)
{
	struct gpio_aggregator_parents *parents;

	parents = devm_kzalloc(dev, sizeof(*parents), GFP_KERNEL);
	if (!parents)
		return NULL;

	/* At most one parent controller per line */
	parents->links = gpiochip_fwd_devm_kvcalloc(dev, max,
						    sizeof(*parents->links));
	if (!parents->links)
		return NULL;

	parents->dev = dev;

	return parents;
}

/*
 * Links the aggregator's device to the device of the controller of @desc.
 * -EPROBE_DEFER when that controller is not bound (still probing, or
 * unbinding: the line is about to go away), or its chip is already gone.
 * Only a bound controller unbinds the aggregator before it goes; the link
 * to one that is not may be freed with its device while the aggregator is
 * still bound.
 */
static int gpio_aggregator_link_parent(struct gpio_aggregator_parents *parents,
				       struct gpio_desc *desc)
{
	struct gpio_device *gdev = gpiod_to_gpio_device(desc);
	struct device *supplier = gpio_device_to_device(gdev)->parent;
	struct device_link *link;
	unsigned int i;

	/* The chip went away since the line was taken: wait for it */
	if (!gpio_device_get_chip(gdev))
		return -EPROBE_DEFER;

	/*
	 * A controller registered without a parent device, or by code that
	 * is not a driver: nothing unbinds, nothing to follow. A managed link
	 * to a device without a driver would also keep the probe waiting.
	 */
	if (!supplier || !READ_ONCE(supplier->driver))
		return 0;

	/*
	 * Still probing, or unbound: no link yet. A link to a supplier that
	 * is probing would be one the driver core warns about if this probe
	 * then fails, as it must.
	 */
	if (!device_is_bound(supplier))
		return -EPROBE_DEFER;

	link = device_link_add(parents->dev, supplier,
			       DL_FLAG_AUTOREMOVE_SUPPLIER);
	if (!link)
		return dev_err_probe(parents->dev, -EINVAL,
				     "cannot link to GPIO controller %s\n",
				     dev_name(supplier));

	/*
	 * Set by the driver core for a supplier that was still bound when the
	 * link was made: it now waits for this probe before it unbinds, and
	 * unbinds the aggregator first. Any other state is a supplier on its
	 * way out; the link goes with its driver.
	 */
	if (READ_ONCE(link->status) != DL_STATE_CONSUMER_PROBE)
		return -EPROBE_DEFER;

	/* Lines of a chip mostly follow each other: look from the end */
	for (i = parents->num; i > 0; i--) {
		if (parents->links[i - 1] == link)
			return 0;
	}
	parents->links[parents->num++] = link;

	return 0;
}

static void gpio_aggregator_reprobe_work(struct work_struct *work)
{
	struct gpio_aggregator_reprobe *reprobe =
		container_of(work, struct gpio_aggregator_reprobe, work);

	/*
	 * Nothing to do with the result: the probe succeeds, or defers and
	 * the driver core tries again later, or the device is gone.
	 */
	if (device_attach(reprobe->dev) < 0)
		dev_dbg(reprobe->dev, "cannot probe again\n");

	put_device(reprobe->dev);
	kfree(reprobe);
}

/*
 * Runs as the aggregator's device unbinds: when a parent controller takes it
 * down, wait for the parent to come back. The work runs the probe once the
 * aggregator's unbinding is over: device_attach() takes the device lock that
 * is held until then.
 */
static void gpio_aggregator_unbind(void *data)
{
	struct gpio_aggregator_parents *parents = data;
	struct gpio_aggregator_reprobe *reprobe = parents->reprobe;
	unsigned int i;

	for (i = 0; i < parents->num; i++) {
		if (READ_ONCE(parents->links[i]->status) ==
		    DL_STATE_SUPPLIER_UNBIND)
			break;
	}
	if (i == parents->num) {
		/* Unbound by hand, or its device goes away: no probe again */
		kfree(reprobe);
		return;
	}

	dev_info(parents->dev,
		 "GPIO controller %s is going away: unbinding until it is back\n",
		 dev_name(parents->links[i]->supplier));

	INIT_WORK(&reprobe->work, gpio_aggregator_reprobe_work);
	reprobe->dev = get_device(parents->dev);
	queue_work(gpio_aggregator_wq, &reprobe->work);
}

/*
 * To call at the end of a successful probe: the action then runs first when
 * the device unbinds, never when a probe fails.
 */
static int gpio_aggregator_follow_parents(struct gpio_aggregator_parents *parents)
{
	parents->reprobe = kzalloc(sizeof(*parents->reprobe), GFP_KERNEL);
	if (!parents->reprobe)
		return -ENOMEM;

	return devm_add_action_or_reset(parents->dev, gpio_aggregator_unbind,
					parents);
}

/*
 * Probe: getting the parent lines
 */

static int gpio_aggregator_match_chip_name(struct gpio_chip *gc,
					   const void *name)
{
	return device_match_name(gpio_device_to_device(gc->gpiodev), name);
}

/*
 * The label of the chip whose device is named @name ("gpiochipN"), when no
 * chip is labelled @name: a copy, to kfree(). NULL when a chip is labelled
 * @name or none is named so (the lookup is by label then, and defers until
 * such a chip appears), or an ERR_PTR(). Labels need not be unique: the
 * caller checks that the line it gets is on the chip named @name.
 */
static char *gpio_aggregator_label_of_named_chip(const char *name)
{
	struct gpio_device *gdev __free(gpio_device_put) =
		gpio_device_find_by_label(name);
	char *label;

	if (gdev)
		return NULL;

	gdev = gpio_device_find(name, gpio_aggregator_match_chip_name);
	if (!gdev)
		return NULL;

	label = kstrdup(gpio_device_get_label(gdev), GFP_KERNEL);

	return label ?: ERR_PTR(-ENOMEM);
}

static bool gpio_aggregator_desc_on_chip(struct gpio_desc *desc,
					 const char *chip_name)
{
	struct gpio_device *gdev = gpiod_to_gpio_device(desc);

	return device_match_name(gpio_device_to_device(gdev), chip_name);
}

/*
 * Requests the parent line of @line through @table, a lookup table of one
 * entry for @dev that lives only for this call: one table per line keeps
 * each lookup constant in the number of lines. Sets *@by_name when the key
 * is the device name of the chip rather than its label.
 */
static struct gpio_desc *
gpio_aggregator_get_line(struct device *dev,
			 const struct gpio_aggregator_line *line,
			 struct gpiod_lookup_table *table, bool *by_name)
{
	unsigned long flags = line->active_low ? GPIO_ACTIVE_LOW :
						 GPIO_ACTIVE_HIGH;
	char *label __free(kfree) = NULL;
	const char *key = line->key;
	struct gpio_desc *desc;
	u16 hwnum = U16_MAX;

	if (line->offset >= 0) {
		label = gpio_aggregator_label_of_named_chip(line->key);
		if (IS_ERR(label))
			return ERR_CAST(no_free_ptr(label));
		if (label)
			key = label;
		hwnum = line->offset;
	}
	*by_name = !!label;

	table->table[0] = GPIO_LOOKUP_IDX(key, hwnum, NULL, 0, flags);
	gpiod_add_lookup_table(table);
	desc = devm_gpiod_get_index(dev, NULL, 0, GPIOD_ASIS);
	gpiod_remove_lookup_table(table);

	return desc;
}

static int gpio_aggregator_line_error(struct device *dev,
				      struct gpio_aggregator *aggr,
				      const struct gpio_aggregator_line *line,
				      int err)
{
	/* Configfs waits for the probe: fail rather than defer */
	if (err == -EPROBE_DEFER && READ_ONCE(aggr->probe_sync))
		err = -ENODEV;

	if (line->offset < 0)
		return dev_err_probe(dev, err, "line%u: cannot get GPIO '%.64s'\n",
				     line->idx, line->key);

	return dev_err_probe(dev, err, "line%u: cannot get GPIO %d of '%.64s'\n",
			     line->idx, line->offset, line->key);
}

/* Requests the parent lines, adds them to @fwd and links to their chips. */
static int gpio_aggregator_request_lines(struct device *dev,
					 struct gpio_aggregator *aggr,
					 struct gpio_aggregator_line **lines,
					 unsigned int num,
					 struct gpiochip_fwd *fwd,
					 struct gpio_aggregator_parents *parents)
{
	struct gpio_desc *desc;
	unsigned int i;
	bool by_name;
	int ret;

	/* One entry and the terminating one */
	struct gpiod_lookup_table *table __free(kfree) =
		kzalloc(struct_size(table, table, 2), GFP_KERNEL);
	if (!table)
		return -ENOMEM;

	table->dev_id = dev_name(dev);
	for (i = 0; i < num; i++) {
		desc = gpio_aggregator_get_line(dev, lines[i], table, &by_name);
		if (IS_ERR(desc))
			return gpio_aggregator_line_error(dev, aggr, lines[i],
							  PTR_ERR(desc));

		if (by_name && !gpio_aggregator_desc_on_chip(desc, lines[i]->key))
			return dev_err_probe(dev, -EINVAL,
					     "line%u: the label of %s is not unique\n",
					     i, lines[i]->key);

		ret = gpio_aggregator_link_parent(parents, desc);
		if (ret == -EPROBE_DEFER)
			return gpio_aggregator_line_error(dev, aggr, lines[i],
							  ret);
		if (ret)
			return ret;

		ret = gpiochip_fwd_desc_add(fwd, desc, i);
		if (ret)
			return ret;
	}

	return 0;
}

static const char *const *
gpio_aggregator_line_names(struct device *dev,
			   struct gpio_aggregator_line **lines,
			   unsigned int num)
{
	const char **names;
	unsigned int i;

	for (i = 0; i < num; i++) {
		if (lines[i]->name)
			break;
	}
	if (i == num)
		return NULL;

	names = devm_kcalloc(dev, num, sizeof(*names), GFP_KERNEL);
	if (!names)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < num; i++) {
		if (!lines[i]->name)
			continue;

		names[i] = devm_kstrdup(dev, lines[i]->name, GFP_KERNEL);
		if (!names[i])
			return ERR_PTR(-ENOMEM);
	}

	return names;
}

/* Probe of the device of an aggregator made through sysfs or configfs. */
static int gpio_aggregator_probe_lines(struct device *dev,
				       struct gpio_aggregator *aggr)
{
	unsigned int num = list_count_nodes(&aggr->lines), i = 0;
	struct gpio_aggregator_parents *parents;
	struct gpio_aggregator_line *line;
	const char *const *names;
	struct gpiochip_fwd *fwd;
	int ret;

	if (!num)
		return dev_err_probe(dev, -EINVAL, "no GPIO line\n");

	struct gpio_aggregator_line **lines __free(kvfree) =
		kvmalloc_array(num, sizeof(*lines), GFP_KERNEL);
	if (!lines)
		return -ENOMEM;

	list_for_each_entry(line, &aggr->lines, entry)
		lines[i++] = line;

	fwd = devm_gpiochip_fwd_alloc(dev, num);
	if (IS_ERR(fwd))
		return PTR_ERR(fwd);

	parents = gpio_aggregator_parents_alloc(dev, num);
	if (!parents)
		return -ENOMEM;

	ret = gpio_aggregator_request_lines(dev, aggr, lines, num, fwd,
					    parents);
	if (ret)
		return ret;

	names = gpio_aggregator_line_names(dev, lines, num);
	if (IS_ERR(names))
		return PTR_ERR(names);

	gpiochip_fwd_get_gpiochip(fwd)->names = names;

	ret = gpiochip_fwd_register(fwd, aggr);
	if (ret)
		return ret;

	return gpio_aggregator_follow_parents(parents);
}

/*
 * gpio-delay: a GPIO controller whose lines forward to other lines, waiting
 * after driving each of them for it to ramp up or down, as the level driven
 * on the pin of its parent line goes up or down. The delays come from the
 * specifier of the consumer of each line: <line ramp-up-us ramp-down-us>.
 */

/**
 * struct gpio_delay_timing - delays of a line of a gpio-delay controller
 * @ramp_up_us: delay after driving the pin high, in microseconds
 * @ramp_down_us: delay after driving the pin low, in microseconds
 */
struct gpio_delay_timing {
	u32 ramp_up_us;
	u32 ramp_down_us;
};

/**
 * struct gpio_delay - a gpio-delay controller
 * @fwd: its forwarder
 * @lock: see the comment in the structure
 * @requested: the lines requested by a consumer
 * @timings: the delays of each line, from the specifier of its consumer
 */
struct gpio_delay {
	struct gpiochip_fwd *fwd;

	/*
	 * Protects requested and timings. of_xlate sets the timings of a line
	 * only while nobody has requested it, so that a consumer whose request
	 * then fails because the line is taken does not change them.
	 */
	spinlock_t lock;
	unsigned long *requested;
	struct gpio_delay_timing *timings;
};

static struct gpio_delay *to_gpio_delay(struct gpio_chip *chip)
{
	return gpiochip_fwd_get_data(gpiochip_get_data(chip));
}

static int gpio_delay_request(struct gpio_chip *chip, unsigned int offset)
{
	struct gpio_delay *delay = to_gpio_delay(chip);
	unsigned long flags;
	int ret;

	ret = gpiochip_fwd_gpio_request(delay->fwd, offset);
	if (ret)
		return ret;

	/* Not guards: sparse cannot follow those of spinlocks */
	spin_lock_irqsave(&delay->lock, flags);
	__set_bit(offset, delay->requested);
	spin_unlock_irqrestore(&delay->lock, flags);

	return 0;
}

static void gpio_delay_free(struct gpio_chip *chip, unsigned int offset)
{
	struct gpio_delay *delay = to_gpio_delay(chip);
	unsigned long flags;

	spin_lock_irqsave(&delay->lock, flags);
	__clear_bit(offset, delay->requested);
	spin_unlock_irqrestore(&delay->lock, flags);
}

/*
 * Waits for the pin of the line at @offset, just driven to the logical
 * @value, to ramp: up when the pin goes high, down when it goes low. An
 * active-low parent line drives the pin low for a logical 1.
 */
static void gpio_delay_wait(struct gpio_chip *chip, unsigned int offset,
			    int value)
{
	struct gpio_delay *delay = to_gpio_delay(chip);
	struct gpio_desc *desc = gpiochip_fwd_desc(delay->fwd, offset);
	struct gpio_delay_timing timing;
	bool high = !!value != gpiod_is_active_low(desc);
	unsigned long flags;
	u32 delay_us;

	spin_lock_irqsave(&delay->lock, flags);
	timing = delay->timings[offset];
	spin_unlock_irqrestore(&delay->lock, flags);

	delay_us = high ? timing.ramp_up_us : timing.ramp_down_us;
	if (!delay_us)
		return;

	if (chip->can_sleep) {
		fsleep(delay_us);
		return;
	}

	/* udelay() may overflow on some architectures beyond a few ms */
	mdelay(delay_us / USEC_PER_MSEC);
	udelay(delay_us % USEC_PER_MSEC);
}

static int gpio_delay_set(struct gpio_chip *chip, unsigned int offset,
			  int value)
{
	struct gpio_delay *delay = to_gpio_delay(chip);
	int ret;

	ret = gpiochip_fwd_gpio_set(delay->fwd, offset, value);
	if (ret)
		return ret;

	gpio_delay_wait(chip, offset, value);

	return 0;
}

/* Making a line an output drives it too */
static int gpio_delay_direction_output(struct gpio_chip *chip,
				       unsigned int offset, int value)
{
	struct gpio_delay *delay = to_gpio_delay(chip);
	int ret;

	ret = gpiochip_fwd_gpio_direction_output(delay->fwd, offset, value);
	if (ret)
		return ret;

	gpio_delay_wait(chip, offset, value);

	return 0;
}

#ifdef CONFIG_OF_GPIO
/* Translates the specifier <line ramp-up-us ramp-down-us>. */
static int gpio_delay_of_xlate(struct gpio_chip *chip,
			       const struct of_phandle_args *gpiospec,
			       u32 *flags)
{
	struct gpio_delay *delay = to_gpio_delay(chip);
	unsigned long irqflags;
	u32 line;
	int ret;

	/* Three cells: the line, its ramp-up and its ramp-down delay */
	line = gpiospec->args[0];
	if (gpiospec->args_count != 3 || line >= chip->ngpio)
		return -EINVAL;

	/* Without @flags, gpiolib only asks whether the line is ours */
	if (!flags)
		return line;

	spin_lock_irqsave(&delay->lock, irqflags);
	/* Its request would fail: keep the timings of the consumer */
	if (test_bit(line, delay->requested)) {
		ret = -EBUSY;
	} else {
		delay->timings[line].ramp_up_us = gpiospec->args[1];
		delay->timings[line].ramp_down_us = gpiospec->args[2];
		*flags = 0;
		ret = line;
	}
	spin_unlock_irqrestore(&delay->lock, irqflags);

	return ret;
}
#endif

static int gpio_delay_register(struct device *dev, struct gpiochip_fwd *fwd)
{
	struct gpio_chip *chip = gpiochip_fwd_get_gpiochip(fwd);
	struct gpio_delay *delay;

	delay = devm_kzalloc(dev, sizeof(*delay), GFP_KERNEL);
	if (!delay)
		return -ENOMEM;

	delay->timings = devm_kcalloc(dev, chip->ngpio,
				      sizeof(*delay->timings), GFP_KERNEL);
	delay->requested = devm_bitmap_zalloc(dev, chip->ngpio, GFP_KERNEL);
	if (!delay->timings || !delay->requested)
		return -ENOMEM;

	spin_lock_init(&delay->lock);
	delay->fwd = fwd;

	chip->request = gpio_delay_request;
	chip->free = gpio_delay_free;
	chip->direction_output = gpio_delay_direction_output;
	chip->set_rv = gpio_delay_set;
	/* gpiolib then sets, and delays, the lines one by one */
	chip->set_multiple_rv = NULL;
#ifdef CONFIG_OF_GPIO
	chip->of_xlate = gpio_delay_of_xlate;
	chip->of_gpio_n_cells = 3;
#endif

	return gpiochip_fwd_register(fwd, delay);
}

/*
 * Probe of a device described by firmware, with a "gpios" property, or by
 * a board file, with a lookup table. The names of the lines come from the
 * "gpio-line-names" property of the device, which gpiolib reads for the
 * chip as it has no fwnode of its own.
 */
static int gpio_aggregator_probe_fw(struct device *dev, unsigned long features)
{
	struct gpio_aggregator_parents *parents;
	struct gpiochip_fwd *fwd;
	struct gpio_desc *desc;
	unsigned int i;
	int count, ret;

	count = gpiod_count(dev, NULL);
	if (!count || count == -ENOENT)
		return dev_err_probe(dev, -EINVAL,
				     "no GPIO lines: no platform data and no 'gpios' property\n");
	if (count < 0)
		return dev_err_probe(dev, count, "cannot count the GPIO lines\n");

	fwd = devm_gpiochip_fwd_alloc(dev, count);
	if (IS_ERR(fwd))
		return dev_err_probe(dev, PTR_ERR(fwd), "too many GPIO lines\n");

	parents = gpio_aggregator_parents_alloc(dev, count);
	if (!parents)
		return -ENOMEM;

	for (i = 0; i < count; i++) {
		desc = devm_gpiod_get_index(dev, NULL, i, GPIOD_ASIS);
		if (IS_ERR(desc))
			return dev_err_probe(dev, PTR_ERR(desc),
					     "cannot get GPIO %u\n", i);

		ret = gpio_aggregator_link_parent(parents, desc);
		if (ret == -EPROBE_DEFER)
			return dev_err_probe(dev, ret, "cannot get GPIO %u\n",
					     i);
		if (ret)
			return ret;

		ret = gpiochip_fwd_desc_add(fwd, desc, i);
		if (ret)
			return ret;
	}

	if (features & AGGREGATOR_DELAY)
		ret = gpio_delay_register(dev, fwd);
	else
		ret = gpiochip_fwd_register(fwd, NULL);
	if (ret)
		return ret;

	return gpio_aggregator_follow_parents(parents);
}

/*
 * Platform driver
 */

static int gpio_aggregator_probe(struct platform_device *pdev)
{
	const struct gpio_aggregator_pdata *pdata;
	struct device *dev = &pdev->dev;
	int ret;

	if (dev->type == &gpio_aggregator_pdev_type) {
		pdata = dev_get_platdata(dev);
		ret = gpio_aggregator_probe_lines(dev, pdata->aggr);
		WRITE_ONCE(pdata->aggr->probe_err, ret);
		/*
		 * Live: from now on, when a parent controller goes away and
		 * comes back, the probe defers until the parent lines are
		 * back. Cleared here, under the device lock, before any
		 * probe tried again after an unbinding can run.
		 */
		if (!ret)
			WRITE_ONCE(pdata->aggr->probe_sync, false);
		return ret;
	}

	return gpio_aggregator_probe_fw(dev,
					(uintptr_t)device_get_match_data(dev));
}

static const struct of_device_id gpio_aggregator_dt_ids[] = {
	{
		.compatible = "gpio-delay",
		.data = (void *)AGGREGATOR_DELAY,
	},
	/*
	 * Add here the GPIO-operated devices to be driven from userspace, or
	 * bind them through "driver_override" in sysfs.
	 */
	{ }
};
MODULE_DEVICE_TABLE(of, gpio_aggregator_dt_ids);

/*
 * Activation: registering and unregistering the platform device of an
 * aggregator. Configfs waits for the probe and fails when it fails; sysfs
 * leaves the device to deferred probe, to come alive when its parent
 * chips appear.
 */

static bool gpio_aggregator_is_live(struct gpio_aggregator *aggr)
{
	lockdep_assert_held(&aggr->lock);

	if (!aggr->pdev)
		return false;

	guard(device)(&aggr->pdev->dev);

	return device_is_bound(&aggr->pdev->dev);
}

static void gpio_aggregator_undepend(struct gpio_aggregator *aggr,
				     struct gpio_aggregator_line *last)
{
	struct gpio_aggregator_line *line = last;

	list_for_each_entry_from_reverse(line, &aggr->lines, entry)
		configfs_undepend_item_unlocked(&line->group.cg_item);

	configfs_undepend_item_unlocked(&aggr->group.cg_item);
}

/*
 * Pins the configfs directories of a device made in configfs while it has
 * a platform device: rmdir fails with -EBUSY.
 */
static int gpio_aggregator_depend(struct gpio_aggregator *aggr)
{
	struct configfs_subsystem *subsys = aggr->group.cg_subsys;
	struct gpio_aggregator_line *line;
	int ret;

	ret = configfs_depend_item_unlocked(subsys, &aggr->group.cg_item);
	if (ret)
		return ret;

	list_for_each_entry(line, &aggr->lines, entry) {
		ret = configfs_depend_item_unlocked(subsys,
						    &line->group.cg_item);
		if (ret) {
			gpio_aggregator_undepend(aggr,
						 list_prev_entry(line, entry));
			return ret;
		}
	}

	return 0;
}

/* Returns 0 when @pdev is bound, else why the probe failed. */
static int gpio_aggregator_probe_result(struct gpio_aggregator *aggr,
					struct platform_device *pdev)
{
	guard(device)(&pdev->dev);

	if (device_is_bound(&pdev->dev))
		return 0;

	return READ_ONCE(aggr->probe_err) ?: -ENODEV;
}

static int gpio_aggregator_register_pdev(struct gpio_aggregator *aggr,
					 bool sync)
{
	struct gpio_aggregator_pdata pdata = { .aggr = aggr };
	struct platform_device *pdev;
	int ret;

	WRITE_ONCE(aggr->probe_sync, sync);
	/* Unless the driver probes the device */
	WRITE_ONCE(aggr->probe_err, -ENODEV);

	pdev = platform_device_alloc(DRV_NAME, aggr->id);
	if (!pdev)
		return -ENOMEM;

	pdev->dev.type = &gpio_aggregator_pdev_type;
	ret = platform_device_add_data(pdev, &pdata, sizeof(pdata));
	if (!ret)
		/* The driver probes synchronously: it is done on return */
		ret = platform_device_add(pdev);
	if (ret) {
		platform_device_put(pdev);
		return ret;
	}

	if (sync) {
		ret = gpio_aggregator_probe_result(aggr, pdev);
		if (ret) {
			platform_device_unregister(pdev);
			return ret;
		}
	}

	aggr->pdev = pdev;

	return 0;
}

static int gpio_aggregator_activate(struct gpio_aggregator *aggr, bool sync)
{
	int ret;

	lockdep_assert_held(&aggr->lock);

	if (!aggr->init_via_sysfs) {
		ret = gpio_aggregator_depend(aggr);
		if (ret)
			return ret;
	}

	ret = gpio_aggregator_register_pdev(aggr, sync);
	if (ret && !aggr->init_via_sysfs)
		gpio_aggregator_undepend(aggr, list_last_entry(&aggr->lines,
							       struct gpio_aggregator_line,
							       entry));

	return ret;
}

static void gpio_aggregator_deactivate(struct gpio_aggregator *aggr)
{
	lockdep_assert_held(&aggr->lock);

	platform_device_unregister(aggr->pdev);
	aggr->pdev = NULL;

	if (!aggr->init_via_sysfs)
		gpio_aggregator_undepend(aggr, list_last_entry(&aggr->lines,
							       struct gpio_aggregator_line,
							       entry));
}

/* Checks the lines before going live: line0 to lineN, each with a key. */
static int gpio_aggregator_check_lines(struct gpio_aggregator *aggr)
{
	const char *name = config_item_name(&aggr->group.cg_item);
	struct gpio_aggregator_line *line;
	unsigned int idx = 0;

	lockdep_assert_held(&aggr->lock);

	if (list_empty(&aggr->lines)) {
		pr_err("%s: no line\n", name);
		return -EINVAL;
	}

	list_for_each_entry(line, &aggr->lines, entry) {
		if (line->idx != idx) {
			pr_err("%s: line%u missing\n", name, idx);
			return -EINVAL;
		}

		if (!line->key) {
			pr_err("%s: line%u has no key\n", name, idx);
			return -EINVAL;
		}

		idx++;
	}

	return 0;
}

static int gpio_aggregator_go_live(struct gpio_aggregator *aggr)
{
	int ret;

	lockdep_assert_held(&aggr->lock);

	if (gpio_aggregator_is_live(aggr))
		return 0;

	/* Waiting for a deferred probe, or unbound: try again, now */
	if (aggr->pdev)
		gpio_aggregator_deactivate(aggr);

	ret = gpio_aggregator_check_lines(aggr);
	if (ret)
		return ret;

	return gpio_aggregator_activate(aggr, true);
}

/*
 * configfs
 *
 * /sys/kernel/config/gpio-aggregator/<device>/line<N>: "mkdir <device>"
 * makes an aggregator, "mkdir <device>/line<N>" a line of it. Aggregators
 * made through new_device appear as "_sysfs.<id>", where mkdir and rmdir
 * are refused.
 */

/*
 * The kinds of directories, each with its configfs type: the root, an
 * aggregator made with mkdir, the mirror of one made through new_device,
 * and a line. One mkdir and one release serve them all, telling the kinds
 * apart by the type of the directory.
 */
enum gpio_aggregator_dir {
	AGGR_DIR_ROOT,
	AGGR_DIR_DEVICE,
	AGGR_DIR_MIRROR,
	AGGR_DIR_LINE,
	AGGR_NUM_DIRS
};

static const struct config_item_type gpio_aggregator_dir_types[AGGR_NUM_DIRS];

static struct gpio_aggregator *to_gpio_aggregator(struct config_item *item)
{
	return container_of(to_config_group(item), struct gpio_aggregator,
			    group);
}

static struct gpio_aggregator_line *
to_gpio_aggregator_line(struct config_item *item)
{
	return container_of(to_config_group(item), struct gpio_aggregator_line,
			    group);
}

/*
 * Parses the words that live and active_low take, in any case, maybe
 * followed by a newline: the whole words kstrtobool() knows. Unlike
 * kstrtobool(), which looks at the first characters only, refuses anything
 * else: "nonsense" is not "no".
 */
static int gpio_aggregator_parse_bool(const char *page, bool *val)
{
	static const char *const words[][2] = {
		{ "0", "1" }, { "n", "y" }, { "no", "yes" }, { "f", "t" },
		{ "false", "true" }, { "off", "on" },
	};
	size_t len = strcspn(page, "\n");
	unsigned int i;

	/* Nothing after the newline */
	if (page[len] && page[len + 1])
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if (strlen(words[i][0]) == len && !strncasecmp(page, words[i][0], len)) {
			*val = false;
			return 0;
		}
		if (strlen(words[i][1]) == len && !strncasecmp(page, words[i][1], len)) {
			*val = true;
			return 0;
		}
	}

	return -EINVAL;
}

/*
 * Returns a copy of the string written, without the ASCII whitespace around
 * it (a UTF-8 name may end in byte 0xa0).
 */
static char *gpio_aggregator_strdup_trimmed(const char *page, size_t count)
{
	char *str = kstrndup(page, count, GFP_KERNEL);

	return str ? gpio_aggregator_trim(str) : ERR_PTR(-ENOMEM);
}

/* Shows a string attribute of @line: empty when not set. */
static ssize_t gpio_aggregator_line_str_show(struct gpio_aggregator_line *line,
					     char *const *field, char *page)
{
	guard(mutex)(&line->parent->lock);

	return sysfs_emit(page, "%s\n", *field ?: "");
}

/* Refuses what cannot be a value of attribute @attr of @line, saying why. */
static int gpio_aggregator_line_check_write(struct gpio_aggregator_line *line,
					    const char *attr, const char *page,
					    size_t count)
{
	const char *why;

	why = gpio_aggregator_bad_write(page, count,
					AGGREGATOR_CONFIGFS_WRITE_MAX);
	if (!why)
		return 0;

	pr_err("%s/%s: %s: %s\n", config_item_name(&line->parent->group.cg_item),
	       config_item_name(&line->group.cg_item), attr, why);

	return -EINVAL;
}

/*
 * Sets the string attribute @attr of @line, without control characters;
 * an empty string unsets it.
 */
static ssize_t gpio_aggregator_line_str_store(struct gpio_aggregator_line *line,
					      const char *attr, char **field,
					      const char *page, size_t count)
{
	int ret;

	ret = gpio_aggregator_line_check_write(line, attr, page, count);
	if (ret)
		return ret;

	char *str __free(kfree) = gpio_aggregator_strdup_trimmed(page, count);
	if (IS_ERR(str))
		return PTR_ERR(str);

	if (gpio_aggregator_find_cntrl(str)) {
		pr_err("%s/%s: %s: control character 0x%02x\n",
		       config_item_name(&line->parent->group.cg_item),
		       config_item_name(&line->group.cg_item), attr,
		       gpio_aggregator_find_cntrl(str));
		return -EINVAL;
	}

	guard(mutex)(&line->parent->lock);

	if (line->parent->pdev)
		return -EBUSY;

	kfree(*field);
	*field = *str ? no_free_ptr(str) : NULL;

	return count;
}

static ssize_t gpio_aggregator_line_key_show(struct config_item *item,
					     char *page)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	return gpio_aggregator_line_str_show(line, &line->key, page);
}

static ssize_t gpio_aggregator_line_key_store(struct config_item *item,
					      const char *page, size_t count)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	return gpio_aggregator_line_str_store(line, "key", &line->key, page,
					      count);
}

CONFIGFS_ATTR(gpio_aggregator_line_, key);

static ssize_t gpio_aggregator_line_offset_show(struct config_item *item,
						char *page)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	guard(mutex)(&line->parent->lock);

	return sysfs_emit(page, "%d\n", line->offset);
}

static ssize_t gpio_aggregator_line_offset_store(struct config_item *item,
						 const char *page,
						 size_t count)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);
	int offset, ret;

	ret = gpio_aggregator_line_check_write(line, "offset", page, count);
	if (ret)
		return ret;

	/*
	 * -1: the key is a line name; out of range is EINVAL, not ERANGE.
	 * Base 0, as mainline: 0x1f is 31, and a leading 0 means octal.
	 */
	ret = kstrtoint(page, 0, &offset);
	if (ret || offset < -1 || offset > AGGREGATOR_MAX_OFFSET) {
		pr_err("%s/%s: offset '%.*s' is not -1 or 0 to %u\n",
		       config_item_name(&line->parent->group.cg_item),
		       config_item_name(item),
		       min_t(int, strcspn(page, "\n"), 64), page,
		       AGGREGATOR_MAX_OFFSET);
		return -EINVAL;
	}

	guard(mutex)(&line->parent->lock);

	if (line->parent->pdev)
		return -EBUSY;

	line->offset = offset;

	return count;
}

CONFIGFS_ATTR(gpio_aggregator_line_, offset);

static ssize_t gpio_aggregator_line_name_show(struct config_item *item,
					      char *page)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	return gpio_aggregator_line_str_show(line, &line->name, page);
}

static ssize_t gpio_aggregator_line_name_store(struct config_item *item,
					       const char *page, size_t count)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	return gpio_aggregator_line_str_store(line, "name", &line->name, page,
					      count);
}

CONFIGFS_ATTR(gpio_aggregator_line_, name);

static ssize_t gpio_aggregator_line_active_low_show(struct config_item *item,
						    char *page)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	guard(mutex)(&line->parent->lock);

	return sysfs_emit(page, "%d\n", line->active_low);
}

static ssize_t gpio_aggregator_line_active_low_store(struct config_item *item,
						     const char *page,
						     size_t count)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);
	bool active_low;
	int ret;

	ret = gpio_aggregator_line_check_write(line, "active_low", page, count);
	if (ret)
		return ret;

	ret = gpio_aggregator_parse_bool(page, &active_low);
	if (ret) {
		pr_err("%s/%s: active_low '%.*s' is not 0 or 1 (or no or yes, false or true, off or on)\n",
		       config_item_name(&line->parent->group.cg_item),
		       config_item_name(item),
		       min_t(int, strcspn(page, "\n"), 64), page);
		return ret;
	}

	guard(mutex)(&line->parent->lock);

	if (line->parent->pdev)
		return -EBUSY;

	line->active_low = active_low;

	return count;
}

CONFIGFS_ATTR(gpio_aggregator_line_, active_low);

static void gpio_aggregator_line_release(struct config_item *item)
{
	struct gpio_aggregator_line *line = to_gpio_aggregator_line(item);

	scoped_guard(mutex, &line->parent->lock)
		list_del(&line->entry);

	gpio_aggregator_line_free(line);
}

static ssize_t gpio_aggregator_device_dev_name_show(struct config_item *item,
						    char *page)
{
	struct gpio_aggregator *aggr = to_gpio_aggregator(item);

	return sysfs_emit(page, "%s.%d\n", DRV_NAME, aggr->id);
}

CONFIGFS_ATTR_RO(gpio_aggregator_device_, dev_name);

static ssize_t gpio_aggregator_device_live_show(struct config_item *item,
						char *page)
{
	struct gpio_aggregator *aggr = to_gpio_aggregator(item);
	bool live;

	scoped_guard(mutex, &aggr->lock)
		live = gpio_aggregator_is_live(aggr);

	return sysfs_emit(page, "%d\n", live);
}

static ssize_t gpio_aggregator_device_live_store(struct config_item *item,
						 const char *page,
						 size_t count)
{
	struct gpio_aggregator *aggr = to_gpio_aggregator(item);
	const char *why;
	bool live;
	int ret;

	why = gpio_aggregator_bad_write(page, count,
					AGGREGATOR_CONFIGFS_WRITE_MAX);
	if (why) {
		pr_err("%s: live: %s\n", config_item_name(item), why);
		return -EINVAL;
	}

	ret = gpio_aggregator_parse_bool(page, &live);
	if (ret) {
		pr_err("%s: live '%.*s' is not 1 or 0 (or yes or no, true or false, on or off)\n",
		       config_item_name(item),
		       min_t(int, strcspn(page, "\n"), 64), page);
		return ret;
	}

	guard(mutex)(&aggr->lock);

	if (live)
		ret = gpio_aggregator_go_live(aggr);
	else if (aggr->pdev)
		gpio_aggregator_deactivate(aggr);

	return ret ?: count;
}

CONFIGFS_ATTR(gpio_aggregator_device_, live);

/* Parses "line<N>", N in canonical decimal form. */
static int gpio_aggregator_parse_line_dir(const char *name, unsigned int *idx)
{
	const char *num;
	size_t len;

	len = str_has_prefix(name, "line");
	if (!len)
		return -EINVAL;

	num = name + len;
	if (!*num || strspn(num, "0123456789") != strlen(num) ||
	    (num[0] == '0' && num[1]))
		return -EINVAL;

	if (kstrtouint(num, 10, idx) || *idx >= AGGREGATOR_MAX_LINES)
		return -EINVAL;

	return 0;
}

/* mkdir of a line directory in the directory of @aggr */
static struct config_group *
gpio_aggregator_mkdir_line(struct gpio_aggregator *aggr, const char *name)
{
	struct gpio_aggregator_line *line;
	unsigned int idx;

	if (gpio_aggregator_parse_line_dir(name, &idx)) {
		pr_err("%s: '%s' is not a line directory (line<N>)\n",
		       config_item_name(&aggr->group.cg_item), name);
		return ERR_PTR(-EINVAL);
	}

	guard(mutex)(&aggr->lock);

	if (aggr->pdev)
		return ERR_PTR(-EBUSY);

	line = gpio_aggregator_new_line(aggr, idx);
	if (line) {
		gpio_aggregator_line_add(aggr, line);
		config_group_init_type_name(&line->group, name,
					    &gpio_aggregator_dir_types[AGGR_DIR_LINE]);
	}

	return line ? &line->group : ERR_PTR(-ENOMEM);
}

static void gpio_aggregator_device_release(struct config_item *item)
{
	struct gpio_aggregator *aggr = to_gpio_aggregator(item);

	/*
	 * Not expected: rmdir fails while a device made in configfs has a
	 * platform device, and one made in sysfs loses it before.
	 */
	scoped_guard(mutex, &aggr->lock) {
		if (aggr->pdev)
			gpio_aggregator_deactivate(aggr);
	}

	gpio_aggregator_free(aggr);
}

/*
 * mkdir of an aggregator's directory. configfs takes a reference to the
 * module of the type of each directory made with mkdir, and drops it on
 * rmdir: the module cannot be unloaded while an aggregator made in configfs
 * exists.
 */
static struct config_group *gpio_aggregator_mkdir_device(const char *name)
{
	struct gpio_aggregator *aggr;

	/* Reserved for the aggregators made through sysfs */
	if (str_has_prefix(name, "_sysfs")) {
		pr_err("'%s': names starting with _sysfs are reserved\n", name);
		return ERR_PTR(-EINVAL);
	}

	aggr = gpio_aggregator_alloc(false);
	if (IS_ERR(aggr))
		return ERR_CAST(aggr);

	config_group_init_type_name(&aggr->group, name,
				    &gpio_aggregator_dir_types[AGGR_DIR_DEVICE]);

	return &aggr->group;
}

/* The one mkdir of all directories that have one: the root and devices */
static struct config_group *gpio_aggregator_mkdir(struct config_group *group,
						  const char *name)
{
	struct config_item *dir = &group->cg_item;

	if (dir->ci_type == &gpio_aggregator_dir_types[AGGR_DIR_ROOT])
		return gpio_aggregator_mkdir_device(name);

	return gpio_aggregator_mkdir_line(to_gpio_aggregator(dir), name);
}

/* The one release of all directories but the root, which is static */
static void gpio_aggregator_release(struct config_item *item)
{
	if (item->ci_type == &gpio_aggregator_dir_types[AGGR_DIR_LINE])
		gpio_aggregator_line_release(item);
	else
		gpio_aggregator_device_release(item);
}

static struct configfs_group_operations gpio_aggregator_mkdir_ops = {
	.make_group = gpio_aggregator_mkdir,
};

static struct configfs_item_operations gpio_aggregator_release_ops = {
	.release = gpio_aggregator_release,
};

static struct configfs_attribute *gpio_aggregator_line_attrs[] = {
	&gpio_aggregator_line_attr_key,
	&gpio_aggregator_line_attr_offset,
	&gpio_aggregator_line_attr_name,
	&gpio_aggregator_line_attr_active_low,
	NULL
};

static struct configfs_attribute *gpio_aggregator_device_attrs[] = {
	&gpio_aggregator_device_attr_live,
	&gpio_aggregator_device_attr_dev_name,
	NULL
};

static const struct config_item_type gpio_aggregator_dir_types[AGGR_NUM_DIRS] = {
	[AGGR_DIR_ROOT] = {
		.ct_owner = THIS_MODULE,
		.ct_group_ops = &gpio_aggregator_mkdir_ops,
	},
	[AGGR_DIR_DEVICE] = {
		.ct_owner = THIS_MODULE,
		.ct_group_ops = &gpio_aggregator_mkdir_ops,
		.ct_item_ops = &gpio_aggregator_release_ops,
		.ct_attrs = gpio_aggregator_device_attrs,
	},
	/* No group operations: no mkdir in a mirror */
	[AGGR_DIR_MIRROR] = {
		.ct_owner = THIS_MODULE,
		.ct_item_ops = &gpio_aggregator_release_ops,
		.ct_attrs = gpio_aggregator_device_attrs,
	},
	[AGGR_DIR_LINE] = {
		.ct_owner = THIS_MODULE,
		.ct_item_ops = &gpio_aggregator_release_ops,
		.ct_attrs = gpio_aggregator_line_attrs,
	},
};

/* Set up in gpio_aggregator_init() */
static struct configfs_subsystem gpio_aggregator_subsys;

/*
 * sysfs: new_device and delete_device
 */

/* Drops the directories of a sysfs aggregator, which frees it. */
static void gpio_aggregator_put_sysfs(struct gpio_aggregator *aggr)
{
	configfs_remove_default_groups(&aggr->group);
	config_group_put(&aggr->group);
}

static int gpio_aggregator_create_sysfs(const struct gpio_aggregator_spec *specs,
					unsigned int num)
{
	struct gpio_aggregator_line *line;
	struct gpio_aggregator *aggr;
	char name[32];
	unsigned int i;
	int ret;

	aggr = gpio_aggregator_alloc(true);
	if (IS_ERR(aggr))
		return PTR_ERR(aggr);

	snprintf(name, sizeof(name), "_sysfs.%d", aggr->id);
	config_group_init_type_name(&aggr->group, name,
				    &gpio_aggregator_dir_types[AGGR_DIR_MIRROR]);

	for (i = 0; i < num; i++) {
		line = gpio_aggregator_new_line(aggr, i);
		if (line)
			line->key = kstrdup(specs[i].key, GFP_KERNEL);
		if (!line || !line->key) {
			kfree(line);
			ret = -ENOMEM;
			goto err_put;
		}
		line->offset = specs[i].offset;

		snprintf(name, sizeof(name), "line%u", i);
		config_group_init_type_name(&line->group, name,
					    &gpio_aggregator_dir_types[AGGR_DIR_LINE]);
		configfs_add_default_group(&line->group, &aggr->group);

		/* Nobody else sees the aggregator yet: no need for the lock */
		list_add_tail(&line->entry, &aggr->lines);
	}

	ret = configfs_register_group(&gpio_aggregator_subsys.su_group,
				      &aggr->group);
	if (ret)
		goto err_put;

	/* Unless a write to "live" in its new directory was faster */
	scoped_guard(mutex, &aggr->lock)
		ret = aggr->pdev ? 0 : gpio_aggregator_activate(aggr, false);
	if (ret)
		goto err_unregister;

	/* Now delete_device can find it */
	scoped_guard(mutex, &gpio_aggregator_lock)
		idr_replace(&gpio_aggregator_idr, aggr, aggr->id);

	return 0;

err_unregister:
	configfs_unregister_group(&aggr->group);
err_put:
	gpio_aggregator_put_sysfs(aggr);
	return ret;
}

static void gpio_aggregator_destroy_sysfs(struct gpio_aggregator *aggr)
{
	/* First, so that no write to "live" can revive the device */
	configfs_unregister_group(&aggr->group);

	scoped_guard(mutex, &aggr->lock) {
		if (aggr->pdev)
			gpio_aggregator_deactivate(aggr);
	}

	gpio_aggregator_put_sysfs(aggr);
}

static ssize_t new_device_store(struct device_driver *driver, const char *buf,
				size_t count)
{
	struct gpio_aggregator_spec *specs __free(kvfree) = NULL;
	const char *why;
	int num, ret;

	why = gpio_aggregator_bad_write(buf, count, PAGE_SIZE);
	if (why) {
		pr_err("new_device: %s\n", why);
		return -EINVAL;
	}

	char *spec __free(kfree) = kstrndup(buf, count, GFP_KERNEL);
	if (!spec)
		return -ENOMEM;

	num = gpio_aggregator_parse_spec(spec, &specs);
	if (num < 0)
		return num;

	ret = gpio_aggregator_create_sysfs(specs, num);

	return ret ?: count;
}

/* Parses "gpio-aggregator.<id>", maybe with a newline. */
static int gpio_aggregator_parse_dev_name(const char *buf, int *id)
{
	const char *num;
	unsigned int val;
	size_t len;

	len = str_has_prefix(buf, DRV_NAME ".");
	if (!len)
		return -EINVAL;

	num = buf + len;
	if (!isdigit(num[0]) || kstrtouint(num, 10, &val) || val > INT_MAX)
		return -EINVAL;

	/* Well formed, but not a device name: ids have no leading zero */
	if (num[0] == '0' && isdigit(num[1]))
		return -ENOENT;

	*id = val;

	return 0;
}

/*
 * Takes the sysfs aggregator @id out of the IDR, so that nobody else deletes
 * it; its id stays taken until it is freed. Returns NULL when there is none.
 */
static struct gpio_aggregator *gpio_aggregator_claim_sysfs(int id)
{
	struct gpio_aggregator *aggr;

	guard(mutex)(&gpio_aggregator_lock);

	aggr = idr_find(&gpio_aggregator_idr, id);
	/* Aggregators made in configfs are removed there */
	if (!aggr || !aggr->init_via_sysfs)
		return NULL;

	idr_replace(&gpio_aggregator_idr, NULL, id);

	return aggr;
}

static ssize_t delete_device_store(struct device_driver *driver,
				   const char *buf, size_t count)
{
	int len = min_t(int, strcspn(buf, "\n"), 64);
	struct gpio_aggregator *aggr;
	const char *why;
	int id, ret;

	why = gpio_aggregator_bad_write(buf, count, PAGE_SIZE);
	if (why) {
		pr_err("delete_device: %s\n", why);
		return -EINVAL;
	}

	ret = gpio_aggregator_parse_dev_name(buf, &id);
	if (ret == -EINVAL) {
		pr_err("delete_device: '%.*s' is not a device name (%s.<N>)\n",
		       len, buf, DRV_NAME);
		return ret;
	}

	aggr = ret ? NULL : gpio_aggregator_claim_sysfs(id);
	if (!aggr) {
		pr_err("delete_device: no device '%.*s' made through new_device\n",
		       len, buf);
		return -ENOENT;
	}

	gpio_aggregator_destroy_sysfs(aggr);

	return count;
}

/* The driver's files in sysfs, root's to write: new_device, delete_device */
static struct driver_attribute gpio_aggregator_driver_files[] = {
	__ATTR_WO(new_device),
	__ATTR_WO(delete_device),
};

static struct attribute *gpio_aggregator_driver_file_attrs[] = {
	&gpio_aggregator_driver_files[0].attr,
	&gpio_aggregator_driver_files[1].attr,
	NULL
};

static const struct attribute_group gpio_aggregator_driver_group = {
	.attrs = gpio_aggregator_driver_file_attrs,
};

static const struct attribute_group *gpio_aggregator_driver_groups[] = {
	&gpio_aggregator_driver_group,
	NULL
};

static struct platform_driver gpio_aggregator_driver = {
	.driver = {
		.name = DRV_NAME,
		.of_match_table = gpio_aggregator_dt_ids,
		/* Configfs relies on the probe being done on registration */
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
		.groups = gpio_aggregator_driver_groups,
	},
	.probe = gpio_aggregator_probe,
};

/*
 * Module init and exit
 */

/* Claims any sysfs aggregator, like gpio_aggregator_claim_sysfs(). */
static struct gpio_aggregator *gpio_aggregator_claim_any_sysfs(void)
{
	struct gpio_aggregator *aggr;
	int id;

	guard(mutex)(&gpio_aggregator_lock);

	idr_for_each_entry(&gpio_aggregator_idr, aggr, id) {
		if (aggr->init_via_sysfs) {
			idr_replace(&gpio_aggregator_idr, NULL, id);
			return aggr;
		}
	}

	return NULL;
}

static void gpio_aggregator_destroy_all_sysfs(void)
{
	struct gpio_aggregator *aggr;

	while ((aggr = gpio_aggregator_claim_any_sysfs()))
		gpio_aggregator_destroy_sysfs(aggr);
}

static int __init gpio_aggregator_init(void)
{
	int ret;

	gpio_aggregator_wq = alloc_workqueue(DRV_NAME, 0, 0);
	if (!gpio_aggregator_wq)
		return -ENOMEM;

	config_group_init_type_name(&gpio_aggregator_subsys.su_group, DRV_NAME,
				    &gpio_aggregator_dir_types[AGGR_DIR_ROOT]);
	mutex_init(&gpio_aggregator_subsys.su_mutex);
	ret = configfs_register_subsystem(&gpio_aggregator_subsys);
	if (ret) {
		pr_err("cannot register the configfs subsystem: %d\n", ret);
		goto err_destroy_mutex;
	}

	ret = platform_driver_register(&gpio_aggregator_driver);
	if (ret) {
		pr_err("cannot register the platform driver: %d\n", ret);
		goto err_unregister_subsys;
	}

	return 0;

err_unregister_subsys:
	configfs_unregister_subsystem(&gpio_aggregator_subsys);
err_destroy_mutex:
	mutex_destroy(&gpio_aggregator_subsys.su_mutex);
	destroy_workqueue(gpio_aggregator_wq);
	return ret;
}
module_init(gpio_aggregator_init);

static void __exit gpio_aggregator_exit(void)
{
	/*
	 * Unregistering the driver removes new_device and delete_device,
	 * waiting for writes in progress, and unbinds every device. No
	 * configfs aggregator exists: each would hold a module reference.
	 */
	platform_driver_unregister(&gpio_aggregator_driver);
	gpio_aggregator_destroy_all_sysfs();
	configfs_unregister_subsystem(&gpio_aggregator_subsys);
	mutex_destroy(&gpio_aggregator_subsys.su_mutex);
	/* Probes tried again after the driver went: they find no driver */
	destroy_workqueue(gpio_aggregator_wq);
}
module_exit(gpio_aggregator_exit);

MODULE_AUTHOR("GPIO Aggregator Team <gpio-aggregator@localhost>");
MODULE_DESCRIPTION("GPIO Aggregator");
MODULE_LICENSE("GPL");
