// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the GPIO forwarder API as a driver outside the aggregator
 * uses it, the way mainline's pinctrl-upboard does: the forwarder is the
 * chip's data and the driver's own data comes from gpiochip_fwd_get_data();
 * the driver wraps some chip callbacks with its own; its request callback
 * gets the parent line with gpiod_get_index() and adds it to the forwarder,
 * its free callback hands it back with gpiochip_fwd_desc_free(). Some
 * offsets never have a parent line (a sparse forwarder). One offset takes
 * its parent line from a chip that sleeps, as an I2C expander would; the
 * forwarder, empty when registered, can sleep, and so may the driver's
 * callbacks, which say so with might_sleep().
 *
 * Built as a module of its own that imports the GPIO_FORWARDER namespace,
 * as such a driver would.
 *
 * Copyright (C) 2026 GPIO Aggregator Team <gpio-aggregator@localhost>
 */

#include <kunit/device.h>
#include <kunit/test.h>

#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/forwarder.h>
#include <linux/gpio/machine.h>
#include <linux/module.h>

#define FWD_USER_NGPIO		6
#define FWD_USER_PARENT_NGPIO	8
#define FWD_USER_PARENT		"fwd-user-kunit-parent"
#define FWD_USER_SLEEPING	"fwd-user-kunit-sleeping-parent"
/* The offset whose parent line is on the sleeping parent, and that line */
#define FWD_USER_SLEEPING_OFFSET	5
#define FWD_USER_SLEEPING_LINE		5

/*
 * Parent chip and line of each offset of the forwarder, or -1: offsets 1
 * and 3 have none, offset 5 is on the sleeping parent. The driver's lookup
 * table gives the parent lines in this order.
 */
static const char *const fwd_user_pin_chip[FWD_USER_NGPIO] = {
	FWD_USER_PARENT, NULL, FWD_USER_PARENT, NULL, FWD_USER_PARENT,
	FWD_USER_SLEEPING,
};

static const int fwd_user_pin_map[FWD_USER_NGPIO] = {
	6, -1, 0, -1, 3, FWD_USER_SLEEPING_LINE,
};

/**
 * struct fwd_user_parent - the parent chip: levels and directions only
 * @gc: the chip
 * @levels: line levels
 * @outputs: lines that are outputs
 * @multiple_calls: calls of get_multiple() and set_multiple_rv()
 */
struct fwd_user_parent {
	struct gpio_chip gc;
	unsigned long levels;
	unsigned long outputs;
	unsigned int multiple_calls;
};

/**
 * struct fwd_user - the driver using the forwarder, as pinctrl-upboard
 * @dev: its device
 * @fwd: its forwarder
 * @requests: calls of its request callback that added a parent line
 * @frees: calls of its free callback
 * @direction_calls: calls of its direction callbacks
 */
struct fwd_user {
	struct device *dev;
	struct gpiochip_fwd *fwd;
	unsigned int requests;
	unsigned int frees;
	unsigned int direction_calls;
};

/**
 * struct fwd_user_ctx - context of a test
 * @parent: the parent chip that does not sleep
 * @sleeping: the parent chip that sleeps
 * @user: the driver under test
 * @consumer: a device that uses the lines of the forwarder
 */
struct fwd_user_ctx {
	struct fwd_user_parent parent;
	struct fwd_user_parent sleeping;
	struct fwd_user user;
	struct device *consumer;
};

static int fwd_user_parent_get_direction(struct gpio_chip *gc,
					 unsigned int offset)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	return test_bit(offset, &parent->outputs) ? GPIO_LINE_DIRECTION_OUT :
						    GPIO_LINE_DIRECTION_IN;
}

static int fwd_user_parent_direction_input(struct gpio_chip *gc,
					   unsigned int offset)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	__clear_bit(offset, &parent->outputs);

	return 0;
}

static int fwd_user_parent_direction_output(struct gpio_chip *gc,
					    unsigned int offset, int value)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	__set_bit(offset, &parent->outputs);
	__assign_bit(offset, &parent->levels, value);

	return 0;
}

static int fwd_user_parent_get(struct gpio_chip *gc, unsigned int offset)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	return test_bit(offset, &parent->levels);
}

static int fwd_user_parent_get_multiple(struct gpio_chip *gc,
					unsigned long *mask,
					unsigned long *bits)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	parent->multiple_calls++;
	*bits = (*bits & ~*mask) | (parent->levels & *mask);

	return 0;
}

static int fwd_user_parent_set(struct gpio_chip *gc, unsigned int offset,
			       int value)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	__assign_bit(offset, &parent->levels, value);

	return 0;
}

static int fwd_user_parent_set_multiple(struct gpio_chip *gc,
					unsigned long *mask,
					unsigned long *bits)
{
	struct fwd_user_parent *parent = gpiochip_get_data(gc);

	parent->multiple_calls++;
	parent->levels = (parent->levels & ~*mask) | (*bits & *mask);

	return 0;
}

/* The driver's callbacks, as pinctrl-upboard's */

static struct fwd_user *fwd_user_of(struct gpio_chip *gc)
{
	struct gpiochip_fwd *fwd = gpiochip_get_data(gc);

	return gpiochip_fwd_get_data(fwd);
}

static int fwd_user_request(struct gpio_chip *gc, unsigned int offset)
{
	struct gpiochip_fwd *fwd = gpiochip_get_data(gc);
	struct fwd_user *user = gpiochip_fwd_get_data(fwd);
	struct gpio_desc *desc;
	int ret;

	might_sleep();

	if (fwd_user_pin_map[offset] < 0)
		return gpiochip_fwd_gpio_request(fwd, offset);

	desc = gpiod_get_index(user->dev, "external", offset, GPIOD_ASIS);
	if (IS_ERR(desc))
		return PTR_ERR(desc);

	ret = gpiochip_fwd_desc_add(fwd, desc, offset);
	if (ret) {
		gpiod_put(desc);
		return ret;
	}

	user->requests++;

	return 0;
}

static void fwd_user_free(struct gpio_chip *gc, unsigned int offset)
{
	struct gpiochip_fwd *fwd = gpiochip_get_data(gc);
	struct fwd_user *user = gpiochip_fwd_get_data(fwd);

	might_sleep();
	gpiochip_fwd_desc_free(fwd, offset);
	user->frees++;
}

static int fwd_user_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	struct gpiochip_fwd *fwd = gpiochip_get_data(gc);

	might_sleep();

	return gpiochip_fwd_gpio_get_direction(fwd, offset);
}

static int fwd_user_direction_input(struct gpio_chip *gc, unsigned int offset)
{
	struct gpiochip_fwd *fwd = gpiochip_get_data(gc);

	might_sleep();
	fwd_user_of(gc)->direction_calls++;

	return gpiochip_fwd_gpio_direction_input(fwd, offset);
}

static int fwd_user_direction_output(struct gpio_chip *gc, unsigned int offset,
				     int value)
{
	struct gpiochip_fwd *fwd = gpiochip_get_data(gc);

	might_sleep();
	fwd_user_of(gc)->direction_calls++;

	return gpiochip_fwd_gpio_direction_output(fwd, offset, value);
}

KUNIT_DEFINE_ACTION_WRAPPER(fwd_user_remove_lookup, gpiod_remove_lookup_table,
			    struct gpiod_lookup_table *);

/* Maps the lines of @dev with @con_id, by index, to lines of @chips. */
static void fwd_user_add_lookup(struct kunit *test, struct device *dev,
				const char *con_id, const char *const *chips,
				const int *hwnums, unsigned int num)
{
	struct gpiod_lookup_table *table;
	unsigned int i, n = 0;

	table = kunit_kzalloc(test, struct_size(table, table, num + 1),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table);

	table->dev_id = dev_name(dev);
	for (i = 0; i < num; i++) {
		if (hwnums[i] >= 0)
			table->table[n++] = GPIO_LOOKUP_IDX(chips[i], hwnums[i],
							    con_id, i, 0);
	}

	gpiod_add_lookup_table(table);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							fwd_user_remove_lookup,
							table), 0);
}

static void fwd_user_add_parent(struct kunit *test, struct device *dev,
				struct fwd_user_parent *parent,
				const char *label, bool can_sleep)
{
	parent->gc = (struct gpio_chip) {
		.label = label,
		.parent = dev,
		.owner = THIS_MODULE,
		.can_sleep = can_sleep,
		.base = -1,
		.ngpio = FWD_USER_PARENT_NGPIO,
		.get_direction = fwd_user_parent_get_direction,
		.direction_input = fwd_user_parent_direction_input,
		.direction_output = fwd_user_parent_direction_output,
		.get = fwd_user_parent_get,
		.get_multiple = fwd_user_parent_get_multiple,
		.set_rv = fwd_user_parent_set,
		.set_multiple_rv = fwd_user_parent_set_multiple,
	};

	KUNIT_ASSERT_EQ(test, devm_gpiochip_add_data(dev, &parent->gc, parent),
			0);
}

/* The driver's probe, as pinctrl-upboard's. */
static void fwd_user_probe(struct kunit *test)
{
	struct fwd_user_ctx *ctx = test->priv;
	struct fwd_user *user = &ctx->user;
	struct gpio_chip *gc;

	user->fwd = devm_gpiochip_fwd_alloc(user->dev, FWD_USER_NGPIO);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, user->fwd);

	gc = gpiochip_fwd_get_gpiochip(user->fwd);
	gc->request = fwd_user_request;
	gc->free = fwd_user_free;
	gc->get_direction = fwd_user_get_direction;
	gc->direction_input = fwd_user_direction_input;
	gc->direction_output = fwd_user_direction_output;

	KUNIT_ASSERT_EQ(test, gpiochip_fwd_register(user->fwd, user), 0);
}

static int fwd_user_test_init(struct kunit *test)
{
	static const int all[FWD_USER_NGPIO] = { 0, 1, 2, 3, 4, 5 };
	const char *forwarder[FWD_USER_NGPIO];
	struct fwd_user_ctx *ctx;
	struct device *provider;
	unsigned int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;

	/* Registered first, unregistered last */
	provider = kunit_device_register(test, "fwd-user-provider");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, provider);
	fwd_user_add_parent(test, provider, &ctx->parent, FWD_USER_PARENT,
			    false);
	fwd_user_add_parent(test, provider, &ctx->sleeping, FWD_USER_SLEEPING,
			    true);

	ctx->user.dev = kunit_device_register(test, "fwd-user");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->user.dev);
	fwd_user_add_lookup(test, ctx->user.dev, "external", fwd_user_pin_chip,
			    fwd_user_pin_map, FWD_USER_NGPIO);
	fwd_user_probe(test);

	/* A consumer of every line of the forwarder, by the chip's label */
	ctx->consumer = kunit_device_register(test, "fwd-user-consumer");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->consumer);
	for (i = 0; i < FWD_USER_NGPIO; i++)
		forwarder[i] = dev_name(ctx->user.dev);
	fwd_user_add_lookup(test, ctx->consumer, NULL, forwarder, all,
			    FWD_USER_NGPIO);

	return 0;
}

static struct gpio_desc *fwd_user_get(struct kunit *test, unsigned int offset,
				      enum gpiod_flags flags)
{
	struct fwd_user_ctx *ctx = test->priv;

	return gpiod_get_index(ctx->consumer, NULL, offset, flags);
}

/* The chip's data is the forwarder; the driver's data is its own. */
static void fwd_user_test_data(struct kunit *test)
{
	struct fwd_user_ctx *ctx = test->priv;
	struct gpio_chip *gc = gpiochip_fwd_get_gpiochip(ctx->user.fwd);

	KUNIT_EXPECT_PTR_EQ(test, gpiochip_get_data(gc), (void *)ctx->user.fwd);
	KUNIT_EXPECT_PTR_EQ(test, gpiochip_fwd_get_data(ctx->user.fwd),
			    (void *)&ctx->user);
	KUNIT_EXPECT_EQ(test, gc->ngpio, FWD_USER_NGPIO);
	/* Empty when registered: its lines may come from a sleeping chip */
	KUNIT_EXPECT_TRUE(test, gc->can_sleep);
	/* No line until one is requested */
	KUNIT_EXPECT_EQ(test, ctx->user.requests, 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(ctx->user.fwd, 0), -ENODEV);
}

/* A line is added at request time and handed back at free time. */
static void fwd_user_test_request_free(struct kunit *test)
{
	struct fwd_user_ctx *ctx = test->priv;
	struct fwd_user_parent *parent = &ctx->parent;
	struct gpio_desc *desc, *direct;

	desc = fwd_user_get(test, 0, GPIOD_OUT_HIGH);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, desc);
	KUNIT_EXPECT_EQ(test, ctx->user.requests, 1);
	KUNIT_EXPECT_GE(test, ctx->user.direction_calls, 1);
	KUNIT_EXPECT_TRUE(test, test_bit(6, &parent->outputs));
	KUNIT_EXPECT_TRUE(test, test_bit(6, &parent->levels));

	gpiod_set_value_cansleep(desc, 0);
	KUNIT_EXPECT_FALSE(test, test_bit(6, &parent->levels));
	__set_bit(6, &parent->levels);
	KUNIT_EXPECT_EQ(test, gpiod_get_value_cansleep(desc), 1);

	/* The parent line is taken while the forwarder has it */
	direct = gpiod_get_index(ctx->user.dev, "external", 0, GPIOD_ASIS);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(direct), -EBUSY);

	gpiod_put(desc);
	KUNIT_EXPECT_EQ(test, ctx->user.frees, 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(ctx->user.fwd, 0), -ENODEV);

	/* Handed back: free for others, then for the forwarder again */
	direct = gpiod_get_index(ctx->user.dev, "external", 0, GPIOD_ASIS);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, direct);
	gpiod_put(direct);

	desc = fwd_user_get(test, 0, GPIOD_IN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, desc);
	KUNIT_EXPECT_EQ(test, ctx->user.requests, 2);
	KUNIT_EXPECT_FALSE(test, test_bit(6, &parent->outputs));
	gpiod_put(desc);
	KUNIT_EXPECT_EQ(test, ctx->user.frees, 2);
}

/* Offsets without a parent line cannot be requested. */
static void fwd_user_test_sparse(struct kunit *test)
{
	struct fwd_user_ctx *ctx = test->priv;
	struct gpio_desc *desc;

	desc = fwd_user_get(test, 1, GPIOD_ASIS);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(desc), -ENODEV);
	desc = fwd_user_get(test, 3, GPIOD_OUT_LOW);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(desc), -ENODEV);
	KUNIT_EXPECT_EQ(test, ctx->user.requests, 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_request(ctx->user.fwd, 3),
			-ENODEV);
}

/* Lines added after registration are batched into one parent call. */
static void fwd_user_test_multiple(struct kunit *test)
{
	static const unsigned int offsets[] = { 4, 0, 2 };
	struct fwd_user_ctx *ctx = test->priv;
	struct fwd_user_parent *parent = &ctx->parent;
	struct gpio_desc *descs[ARRAY_SIZE(offsets)];
	unsigned long values;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		descs[i] = fwd_user_get(test, offsets[i], GPIOD_OUT_LOW);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, descs[i]);
	}

	/* Forwarder lines 4, 0, 2 are parent lines 3, 6, 0 */
	parent->multiple_calls = 0;
	values = BIT(0) | BIT(2);
	KUNIT_EXPECT_EQ(test, gpiod_set_array_value_cansleep(ARRAY_SIZE(descs),
							     descs, NULL,
							     &values), 0);
	KUNIT_EXPECT_EQ(test, parent->levels, BIT(3) | BIT(0));
	KUNIT_EXPECT_EQ(test, parent->multiple_calls, 1);

	parent->levels = BIT(6);
	values = 0;
	KUNIT_EXPECT_EQ(test, gpiod_get_array_value_cansleep(ARRAY_SIZE(descs),
							     descs, NULL,
							     &values), 0);
	KUNIT_EXPECT_EQ(test, values, BIT(1));
	KUNIT_EXPECT_EQ(test, parent->multiple_calls, 2);

	for (i = 0; i < ARRAY_SIZE(offsets); i++)
		gpiod_put(descs[i]);
	KUNIT_EXPECT_EQ(test, ctx->user.frees, ARRAY_SIZE(offsets));
}

/*
 * A line of a sleeping chip and one of a chip that does not, both added at
 * request time to the forwarder empty when registered: both work, alone
 * and together.
 */
static void fwd_user_test_sleeping_parent(struct kunit *test)
{
	struct fwd_user_ctx *ctx = test->priv;
	struct fwd_user_parent *sleeping = &ctx->sleeping;
	struct fwd_user_parent *parent = &ctx->parent;
	struct gpio_desc *descs[2];
	unsigned long values;

	descs[0] = fwd_user_get(test, FWD_USER_SLEEPING_OFFSET, GPIOD_OUT_HIGH);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, descs[0]);
	descs[1] = fwd_user_get(test, 2, GPIOD_OUT_LOW);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, descs[1]);
	KUNIT_EXPECT_EQ(test, ctx->user.requests, 2);
	KUNIT_EXPECT_TRUE(test, test_bit(FWD_USER_SLEEPING_LINE,
					 &sleeping->outputs));
	KUNIT_EXPECT_TRUE(test, test_bit(FWD_USER_SLEEPING_LINE,
					 &sleeping->levels));

	KUNIT_EXPECT_EQ(test, gpiod_set_value_cansleep(descs[0], 0), 0);
	KUNIT_EXPECT_FALSE(test, test_bit(FWD_USER_SLEEPING_LINE,
					  &sleeping->levels));
	KUNIT_EXPECT_EQ(test, gpiod_set_value_cansleep(descs[1], 1), 0);
	KUNIT_EXPECT_TRUE(test, test_bit(0, &parent->levels));

	/* Forwarder lines 5 and 2 are sleeping line 5 and line 0 */
	values = BIT(0);
	KUNIT_EXPECT_EQ(test, gpiod_set_array_value_cansleep(2, descs, NULL,
							     &values), 0);
	KUNIT_EXPECT_EQ(test, sleeping->levels, BIT(FWD_USER_SLEEPING_LINE));
	KUNIT_EXPECT_FALSE(test, test_bit(0, &parent->levels));
	__set_bit(0, &parent->levels);
	sleeping->levels = 0;
	values = 0;
	KUNIT_EXPECT_EQ(test, gpiod_get_array_value_cansleep(2, descs, NULL,
							     &values), 0);
	KUNIT_EXPECT_EQ(test, values, BIT(1));

	gpiod_put(descs[0]);
	gpiod_put(descs[1]);
	KUNIT_EXPECT_EQ(test, ctx->user.frees, 2);
}

static struct kunit_case fwd_user_cases[] = {
	KUNIT_CASE(fwd_user_test_data),
	KUNIT_CASE(fwd_user_test_request_free),
	KUNIT_CASE(fwd_user_test_sparse),
	KUNIT_CASE(fwd_user_test_multiple),
	KUNIT_CASE(fwd_user_test_sleeping_parent),
	{ }
};

static struct kunit_suite fwd_user_suite = {
	.name = "gpio-forwarder-user",
	.init = fwd_user_test_init,
	.test_cases = fwd_user_cases,
};

kunit_test_suite(fwd_user_suite);

MODULE_IMPORT_NS(GPIO_FORWARDER);
MODULE_DESCRIPTION("KUnit tests of the GPIO forwarder API, used as pinctrl-upboard does");
MODULE_LICENSE("GPL");
