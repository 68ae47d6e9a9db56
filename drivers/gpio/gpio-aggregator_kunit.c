// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the GPIO Aggregator: the new_device line spec parser, and
 * the GPIO forwarder over counting mock GPIO chips.
 */

#include <kunit/device.h>
#include <kunit/test.h>

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/gpio/forwarder.h>
#include <linux/gpio/machine.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/pinctrl/pinconf-generic.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gpio-aggregator.h"

/*
 * Line spec parser
 */

/**
 * struct aggr_parse_case - a new_device line spec and what it parses to
 * @name: name of the case
 * @spec: the line spec
 * @ret: number of lines, or negative errno
 * @lines: the lines, space-separated: "key:offset" for a line of a chip,
 *         "key" for a line name; NULL when only their number is checked
 */
struct aggr_parse_case {
	const char *name;
	const char *spec;
	int ret;
	const char *lines;
};

static const struct aggr_parse_case aggr_parse_cases[] = {
	/* Valid specs */
	{ "one offset", "chip 0", 1, "chip:0" },
	{ "offsets keep their order", "chip 3,1", 2, "chip:3 chip:1" },
	{ "offsets and range", "chip 0,3,5-7", 5,
	  "chip:0 chip:3 chip:5 chip:6 chip:7" },
	{ "range", "chip 20-21", 2, "chip:20 chip:21" },
	{ "one-line range", "chip 5-5", 1, "chip:5" },
	{ "descending offsets", "chip 7,6,5", 3, "chip:7 chip:6 chip:5" },
	{ "line name", "LED", 1, "LED" },
	{ "two line names", "LED1 LED2", 2, "LED1 LED2" },
	{ "mixed groups", "chipA 1 LED chipB 2,3", 4,
	  "chipA:1 LED chipB:2 chipB:3" },
	{ "line name last", "chipA 1 LED", 2, "chipA:1 LED" },
	{ "line name first", "LED chipA 1", 2, "LED chipA:1" },
	{ "labels with dots", "2000000.gpio 4 ioexp.0.1 10-11", 3,
	  "2000000.gpio:4 ioexp.0.1:10 ioexp.0.1:11" },
	{ "chip device name", "gpiochip0 0-1", 2, "gpiochip0:0 gpiochip0:1" },
	{ "extra whitespace", "\n  chip \t 1  ", 1, "chip:1" },
	{ "tabs and newlines", "chip\t1\nother\t2\n", 2, "chip:1 other:2" },
	{ "largest offset", "chip 65534", 1, "chip:65534" },
	{ "same chip in two groups", "chip 0-1 chip 2", 3,
	  "chip:0 chip:1 chip:2" },
	{ "same offset on two chips", "chipA 1 chipB 1", 2,
	  "chipA:1 chipB:1" },
	{ "leading zeros", "chip 007", 1, "chip:7" },
	{ "number after offsets is a name", "chip 1 2", 2, "chip:1 2" },
	{ "key with dashes", "gpio-sim.0-node0 4", 1, "gpio-sim.0-node0:4" },
	{ "key starting with digits", "12ab 3", 1, "12ab:3" },
	{ "numeric key", "5 3", 1, "5:3" },
	{ "line name and chip of that name", "foo foo 1", 2, "foo foo:1" },
	{ "offsets with a letter is a key", "chip 0,1,x", 2, "chip 0,1,x" },
	{ "sixteen lines", "chip 0-15", 16, NULL },
	{ "quoted line name", "\"Door Lock\" chip 3", 2, "Door Lock chip:3" },
	{ "quoted chip label", "\"my chip\" 1,2", 2, "my chip:1 my chip:2" },
	{ "quoted line name last", "chip 1 \"Door Lock\"", 2,
	  "chip:1 Door Lock" },
	{ "line name with equals", "a=b chip 1", 2, "a=b chip:1" },
	{ "quoted name with equals", "\"x = y\"", 1, "x = y" },
	{ "UTF-8 line name", "T\xc3\xbcr chip 1", 2, "T\xc3\xbcr chip:1" },
	/* Byte 0xa0 ends the UTF-8 of "à", "Р" and "Š": it is no whitespace */
	{ "UTF-8 line name ending in 0xa0", "Voil\xc3\xa0 chip 1", 2,
	  "Voil\xc3\xa0 chip:1" },
	{ "UTF-8 chip label with 0xa0", "\xd0\xa0-chip 1,2", 2,
	  "\xd0\xa0-chip:1 \xd0\xa0-chip:2" },
	{ "quoted UTF-8 name with 0xa0", "\"Voil\xc3\xa0 la\" chip 1", 2,
	  "Voil\xc3\xa0 la chip:1" },
	{ "UTF-8 line name last", "chip 1 \xc5\xa0", 2, "chip:1 \xc5\xa0" },
	/* Syntax errors */
	{ "empty", "", -EINVAL, NULL },
	{ "blank", " \t\n", -EINVAL, NULL },
	{ "reversed range", "chip 5-3", -EINVAL, NULL },
	{ "open range end", "chip 3-", -EINVAL, NULL },
	{ "open range start", "chip -3", -EINVAL, NULL },
	{ "empty element", "chip 1,,2", -EINVAL, NULL },
	{ "leading comma", "chip ,1", -EINVAL, NULL },
	{ "trailing comma", "chip 1,", -EINVAL, NULL },
	{ "offset too large", "chip 65535", -EINVAL, NULL },
	{ "offset overflow", "chip 99999999999999999999", -EINVAL, NULL },
	{ "range end too large", "chip 0-70000", -EINVAL, NULL },
	{ "range of three", "chip 1-2-3", -EINVAL, NULL },
	{ "double dash", "chip 3--4", -EINVAL, NULL },
	{ "dash alone", "chip -", -EINVAL, NULL },
	{ "comma alone", "chip ,", -EINVAL, NULL },
	{ "bad list after a good one", "chip 1 other 2,", -EINVAL, NULL },
	{ "duplicate offset", "chip 1,1", -EINVAL, NULL },
	{ "duplicate in a range", "chip 0-3,2", -EINVAL, NULL },
	{ "duplicate across groups", "chip 1 other 2 chip 1", -EINVAL, NULL },
	{ "duplicate line name", "LED LED", -EINVAL, NULL },
	{ "duplicate line name around a chip", "LED chip 1 LED", -EINVAL,
	  NULL },
	{ "too many lines", "chip 0-65534 other 0", -EINVAL, NULL },
	{ "unbalanced quote", "\"Door Lock chip 3", -EINVAL, NULL },
	{ "empty quoted name", "\"\" chip 1", -EINVAL, NULL },
	{ "quote inside a token", "a\"b\" chip 1", -EINVAL, NULL },
	{ "control character in a key", "chip\x01 1", -EINVAL, NULL },
	{ "DEL in a line name", "LED\x7f", -EINVAL, NULL },
	{ "newline inside quotes", "\"Door\nLock\" chip 1", -EINVAL, NULL },
	{ "escape sequence", "chip 1 \x1b[2J", -EINVAL, NULL },
	{ "quoted value after equals", "a=\"b c\"", -EINVAL, NULL },
	{ "a plus sign makes a line name", "chip +1,2", 2, "chip +1,2" },
};

static void aggr_parse_case_desc(const struct aggr_parse_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(aggr_parse, aggr_parse_cases, aggr_parse_case_desc);

static char *aggr_format_specs(struct kunit *test,
			       const struct gpio_aggregator_spec *specs,
			       int num)
{
	const size_t size = 512;
	size_t len = 0;
	char *buf;
	int i;

	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	for (i = 0; i < num; i++) {
		len += scnprintf(buf + len, size - len, "%s%s", i ? " " : "",
				 specs[i].key);
		if (specs[i].offset >= 0)
			len += scnprintf(buf + len, size - len, ":%d",
					 specs[i].offset);
	}

	return buf;
}

static void aggr_test_parse(struct kunit *test)
{
	const struct aggr_parse_case *c = test->param_value;
	struct gpio_aggregator_spec *specs = NULL;
	char *buf, *lines = NULL;
	int ret;

	buf = kunit_kstrdup(test, c->spec, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	ret = gpio_aggregator_parse_spec(buf, &specs);
	if (ret > 0 && c->lines)
		lines = aggr_format_specs(test, specs, ret);
	kvfree(specs);

	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (ret <= 0)
		KUNIT_EXPECT_NULL(test, specs);
	if (lines)
		KUNIT_EXPECT_STREQ(test, lines, c->lines);
}

/* All the offsets a chip can have, in one range. */
static void aggr_test_parse_full_range(struct kunit *test)
{
	struct gpio_aggregator_spec *specs = NULL;
	bool in_order = true;
	char *buf;
	int ret, i;

	buf = kunit_kstrdup(test, "chip 0-65534", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	ret = gpio_aggregator_parse_spec(buf, &specs);
	KUNIT_ASSERT_EQ(test, ret, 65535);

	for (i = 0; i < ret; i++) {
		if (specs[i].offset != i || strcmp(specs[i].key, "chip"))
			in_order = false;
	}
	kvfree(specs);

	KUNIT_EXPECT_TRUE(test, in_order);
}

static struct kunit_case aggr_parser_cases[] = {
	KUNIT_CASE_PARAM(aggr_test_parse, aggr_parse_gen_params),
	KUNIT_CASE(aggr_test_parse_full_range),
	{ }
};

static struct kunit_suite aggr_parser_suite = {
	.name = "gpio-aggregator-parser",
	.test_cases = aggr_parser_cases,
};

/*
 * Forwarder
 */

#define AGGR_MOCK_NGPIO		8

enum { MOCK_A, MOCK_B, MOCK_SLEEPY, NUM_MOCKS };

/**
 * struct aggr_mock - a mock parent GPIO chip, counting the calls into it
 * @gc: the chip
 * @values: line levels
 * @inputs: lines that are inputs
 * @last_config: last configuration set
 * @irq_base: interrupt of line 0; line N has irq_base + N
 * @err: when not 0, every operation fails with it
 * @get_calls: calls of get()
 * @get_multiple_calls: calls of get_multiple()
 * @set_calls: calls of set_rv()
 * @set_multiple_calls: calls of set_multiple_rv()
 * @input_calls: calls of direction_input()
 * @output_calls: calls of direction_output()
 * @config_calls: calls of set_config()
 */
struct aggr_mock {
	struct gpio_chip gc;
	unsigned long values;
	unsigned long inputs;
	unsigned long last_config;
	int irq_base;
	int err;
	unsigned int get_calls;
	unsigned int get_multiple_calls;
	unsigned int set_calls;
	unsigned int set_multiple_calls;
	unsigned int input_calls;
	unsigned int output_calls;
	unsigned int config_calls;
};

/**
 * struct aggr_test_ctx - context of a forwarder test
 * @dev: the device of the forwarder, consumer of the mock lines
 * @mocks: the mock parent chips
 */
struct aggr_test_ctx {
	struct device *dev;
	struct aggr_mock mocks[NUM_MOCKS];
};

/**
 * struct aggr_line - a parent line of a forwarder under test
 * @mock: index of the mock chip
 * @offset: offset in the mock chip
 * @flags: lookup flags (GPIO_ACTIVE_LOW...)
 */
struct aggr_line {
	unsigned int mock;
	unsigned int offset;
	unsigned long flags;
};

static struct aggr_mock *to_aggr_mock(struct gpio_chip *gc)
{
	return container_of(gc, struct aggr_mock, gc);
}

static int aggr_mock_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	if (mock->err)
		return mock->err;

	return test_bit(offset, &mock->inputs) ? GPIO_LINE_DIRECTION_IN :
						 GPIO_LINE_DIRECTION_OUT;
}

static int aggr_mock_direction_input(struct gpio_chip *gc,
				     unsigned int offset)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->input_calls++;
	if (mock->err)
		return mock->err;

	__set_bit(offset, &mock->inputs);

	return 0;
}

static int aggr_mock_direction_output(struct gpio_chip *gc,
				      unsigned int offset, int value)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->output_calls++;
	if (mock->err)
		return mock->err;

	__clear_bit(offset, &mock->inputs);
	__assign_bit(offset, &mock->values, value);

	return 0;
}

static int aggr_mock_get(struct gpio_chip *gc, unsigned int offset)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->get_calls++;
	if (mock->err)
		return mock->err;

	return test_bit(offset, &mock->values);
}

static int aggr_mock_get_multiple(struct gpio_chip *gc, unsigned long *mask,
				  unsigned long *bits)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->get_multiple_calls++;
	if (mock->err)
		return mock->err;

	bitmap_replace(bits, bits, &mock->values, mask, gc->ngpio);

	return 0;
}

static int aggr_mock_set(struct gpio_chip *gc, unsigned int offset, int value)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->set_calls++;
	if (mock->err)
		return mock->err;

	__assign_bit(offset, &mock->values, value);

	return 0;
}

static int aggr_mock_set_multiple(struct gpio_chip *gc, unsigned long *mask,
				  unsigned long *bits)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->set_multiple_calls++;
	if (mock->err)
		return mock->err;

	bitmap_replace(&mock->values, &mock->values, bits, mask, gc->ngpio);

	return 0;
}

static int aggr_mock_set_config(struct gpio_chip *gc, unsigned int offset,
				unsigned long config)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	mock->config_calls++;
	if (mock->err)
		return mock->err;

	switch (pinconf_to_config_param(config)) {
	case PIN_CONFIG_BIAS_PULL_UP:
	case PIN_CONFIG_BIAS_PULL_DOWN:
	case PIN_CONFIG_BIAS_DISABLE:
		mock->last_config = config;
		return 0;
	case PIN_CONFIG_PERSIST_STATE:
		/* gpiolib sets it on every request */
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int aggr_mock_to_irq(struct gpio_chip *gc, unsigned int offset)
{
	struct aggr_mock *mock = to_aggr_mock(gc);

	return mock->err ?: mock->irq_base + offset;
}

static void aggr_mock_reset_counts(struct aggr_mock *mock)
{
	mock->get_calls = 0;
	mock->get_multiple_calls = 0;
	mock->set_calls = 0;
	mock->set_multiple_calls = 0;
	mock->input_calls = 0;
	mock->output_calls = 0;
	mock->config_calls = 0;
}

static const char *const aggr_mock_labels[NUM_MOCKS] = {
	[MOCK_A] = "aggr-kunit-A",
	[MOCK_B] = "aggr-kunit-B",
	[MOCK_SLEEPY] = "aggr-kunit-sleepy",
};

static void aggr_mock_add(struct kunit *test, struct device *dev,
			  unsigned int idx)
{
	struct aggr_test_ctx *ctx = test->priv;
	struct aggr_mock *mock = &ctx->mocks[idx];
	struct gpio_chip *gc = &mock->gc;

	gc->label = aggr_mock_labels[idx];
	gc->parent = dev;
	gc->owner = THIS_MODULE;
	gc->base = -1;
	gc->ngpio = AGGR_MOCK_NGPIO;
	gc->can_sleep = idx == MOCK_SLEEPY;
	gc->get_direction = aggr_mock_get_direction;
	gc->direction_input = aggr_mock_direction_input;
	gc->direction_output = aggr_mock_direction_output;
	gc->get = aggr_mock_get;
	gc->get_multiple = aggr_mock_get_multiple;
	gc->set_rv = aggr_mock_set;
	gc->set_multiple_rv = aggr_mock_set_multiple;
	gc->set_config = aggr_mock_set_config;
	gc->to_irq = aggr_mock_to_irq;

	mock->irq_base = 100 * (idx + 1);

	KUNIT_ASSERT_EQ(test, devm_gpiochip_add_data(dev, gc, mock), 0);
}

static int aggr_fwd_test_init(struct kunit *test)
{
	struct aggr_test_ctx *ctx;
	struct device *provider;
	unsigned int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;

	/* Registered first, unregistered last: after the forwarder */
	provider = kunit_device_register(test, "provider");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, provider);

	for (i = 0; i < NUM_MOCKS; i++)
		aggr_mock_add(test, provider, i);

	ctx->dev = kunit_device_register(test, "forwarder");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx->dev);

	return 0;
}

static void aggr_reset_counts(struct aggr_test_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < NUM_MOCKS; i++)
		aggr_mock_reset_counts(&ctx->mocks[i]);
}

KUNIT_DEFINE_ACTION_WRAPPER(aggr_remove_lookup_table, gpiod_remove_lookup_table,
			    struct gpiod_lookup_table *);

/* Gets the parent lines as a driver would. */
static void aggr_get_descs(struct kunit *test, const struct aggr_line *lines,
			   unsigned int num, struct gpio_desc **descs)
{
	struct aggr_test_ctx *ctx = test->priv;
	struct gpiod_lookup_table *table;
	unsigned int i;

	table = kunit_kzalloc(test, struct_size(table, table, num + 1),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table);

	table->dev_id = dev_name(ctx->dev);
	for (i = 0; i < num; i++)
		table->table[i] = GPIO_LOOKUP_IDX(aggr_mock_labels[lines[i].mock],
						  lines[i].offset, NULL, i,
						  lines[i].flags);
	gpiod_add_lookup_table(table);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, aggr_remove_lookup_table,
						  table),
			0);

	for (i = 0; i < num; i++) {
		descs[i] = devm_gpiod_get_index(ctx->dev, NULL, i, GPIOD_ASIS);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, descs[i]);
	}
}

static struct gpiochip_fwd *aggr_alloc_fwd(struct kunit *test,
					   const struct aggr_line *lines,
					   unsigned int num)
{
	struct aggr_test_ctx *ctx = test->priv;
	struct gpiochip_fwd *fwd;
	struct gpio_desc **descs;
	unsigned int i;

	descs = kunit_kcalloc(test, num, sizeof(*descs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, descs);
	aggr_get_descs(test, lines, num, descs);

	fwd = devm_gpiochip_fwd_alloc(ctx->dev, num);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fwd);

	for (i = 0; i < num; i++)
		KUNIT_ASSERT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[i], i),
				0);

	return fwd;
}

static struct gpiochip_fwd *aggr_make_fwd(struct kunit *test,
					  const struct aggr_line *lines,
					  unsigned int num)
{
	struct gpiochip_fwd *fwd = aggr_alloc_fwd(test, lines, num);

	KUNIT_ASSERT_EQ(test, gpiochip_fwd_register(fwd, test), 0);
	aggr_reset_counts(test->priv);

	return fwd;
}

static struct aggr_mock *aggr_mock(struct kunit *test, unsigned int idx)
{
	struct aggr_test_ctx *ctx = test->priv;

	return &ctx->mocks[idx];
}

static const struct aggr_line aggr_grouped_lines[] = {
	{ MOCK_A, 0 }, { MOCK_A, 1 }, { MOCK_B, 0 }, { MOCK_B, 1 },
};

static const struct aggr_line aggr_interleaved_lines[] = {
	{ MOCK_A, 0 }, { MOCK_B, 0 }, { MOCK_A, 1 }, { MOCK_B, 1 },
};

static void aggr_test_fwd_chip(struct kunit *test)
{
	struct aggr_test_ctx *ctx = test->priv;
	struct gpiochip_fwd *fwd;
	struct gpio_chip *chip;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));
	chip = gpiochip_fwd_get_gpiochip(fwd);

	KUNIT_EXPECT_STREQ(test, chip->label, dev_name(ctx->dev));
	KUNIT_EXPECT_PTR_EQ(test, chip->parent, ctx->dev);
	KUNIT_EXPECT_EQ(test, chip->ngpio, ARRAY_SIZE(aggr_interleaved_lines));
	KUNIT_EXPECT_GE(test, chip->base, 0);
	KUNIT_EXPECT_FALSE(test, chip->can_sleep);
	KUNIT_EXPECT_PTR_EQ(test, gpiochip_fwd_get_data(fwd), (void *)test);
	/* As in mainline: the chip's data is the forwarder, not the caller's */
	KUNIT_EXPECT_PTR_EQ(test, gpiochip_get_data(chip), (void *)fwd);
}

static void aggr_test_fwd_direction(struct kunit *test)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_direction_output(fwd, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, b->output_calls, 1);
	KUNIT_EXPECT_FALSE(test, test_bit(0, &b->inputs));
	KUNIT_EXPECT_TRUE(test, test_bit(0, &b->values));
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_direction(fwd, 1),
			GPIO_LINE_DIRECTION_OUT);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_direction_input(fwd, 2), 0);
	KUNIT_EXPECT_EQ(test, a->input_calls, 1);
	KUNIT_EXPECT_TRUE(test, test_bit(1, &a->inputs));
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_direction(fwd, 2),
			GPIO_LINE_DIRECTION_IN);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_direction_output(fwd, 2, 0), 0);
	KUNIT_EXPECT_EQ(test, a->output_calls, 1);
	KUNIT_EXPECT_FALSE(test, test_bit(1, &a->values));
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_direction(fwd, 2),
			GPIO_LINE_DIRECTION_OUT);
}

static void aggr_test_fwd_get_set(struct kunit *test)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));

	a->values = BIT(1);
	b->values = BIT(0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 0), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 1), 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 2), 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 3), 0);
	KUNIT_EXPECT_EQ(test, a->get_calls, 2);
	KUNIT_EXPECT_EQ(test, b->get_calls, 2);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 1, 0), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 3, 1), 0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(0) | BIT(1));
	KUNIT_EXPECT_EQ(test, b->values, BIT(1));
	KUNIT_EXPECT_EQ(test, a->set_calls, 1);
	KUNIT_EXPECT_EQ(test, b->set_calls, 2);
}

/* The chip's callbacks are the forwarder's */
static void aggr_test_fwd_chip_callbacks(struct kunit *test)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	unsigned long mask = GENMASK(3, 0), bits = 0;
	struct gpiochip_fwd *fwd;
	struct gpio_chip *chip;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));
	chip = gpiochip_fwd_get_gpiochip(fwd);

	a->values = BIT(0);
	KUNIT_EXPECT_EQ(test, chip->get(chip, 0), 1);
	KUNIT_EXPECT_EQ(test, chip->set_rv(chip, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, b->values, BIT(0));
	KUNIT_EXPECT_EQ(test, chip->get_multiple(chip, &mask, &bits), 0);
	KUNIT_EXPECT_EQ(test, bits, BIT(0) | BIT(1));
	bits = BIT(2) | BIT(3);
	KUNIT_EXPECT_EQ(test, chip->set_multiple_rv(chip, &mask, &bits), 0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(1));
	KUNIT_EXPECT_EQ(test, b->values, BIT(1));
	KUNIT_EXPECT_EQ(test, chip->direction_input(chip, 3), 0);
	KUNIT_EXPECT_EQ(test, chip->get_direction(chip, 3),
			GPIO_LINE_DIRECTION_IN);
	KUNIT_EXPECT_EQ(test, chip->direction_output(chip, 3, 0), 0);
	KUNIT_EXPECT_EQ(test, b->values, 0);
	KUNIT_EXPECT_EQ(test, chip->to_irq(chip, 3), b->irq_base + 1);
	KUNIT_EXPECT_EQ(test,
			chip->set_config(chip, 0,
					 pinconf_to_config_packed(PIN_CONFIG_BIAS_PULL_UP,
								  1)),
			0);
	KUNIT_EXPECT_EQ(test, a->config_calls, 1);
}

static void aggr_test_fwd_multiple(struct kunit *test)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	unsigned long mask, bits;
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));

	/* Lines: A0 B0 A1 B1 */
	a->values = BIT(1);
	b->values = BIT(0);
	mask = GENMASK(3, 0);
	bits = 0;
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, bits, BIT(1) | BIT(2));

	/* Bits out of the mask are left alone */
	mask = BIT(0) | BIT(3);
	bits = BIT(7);
	a->values = BIT(0);
	b->values = 0;
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, bits, BIT(0) | BIT(7));

	mask = GENMASK(3, 0);
	bits = BIT(0) | BIT(3);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(0));
	KUNIT_EXPECT_EQ(test, b->values, BIT(1));

	/* Lines out of the mask are not driven */
	mask = BIT(1);
	bits = GENMASK(3, 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(0));
	KUNIT_EXPECT_EQ(test, b->values, BIT(0) | BIT(1));
}

static void aggr_expect_batched(struct kunit *test,
				const struct aggr_line *lines,
				unsigned int num)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	unsigned long mask = GENMASK(num - 1, 0), bits = 0;
	struct gpiochip_fwd *fwd;
	unsigned int i;

	fwd = aggr_make_fwd(test, lines, num);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->get_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, b->get_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, a->get_calls + b->get_calls, 0);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->set_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, b->set_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, a->set_calls + b->set_calls, 0);

	/* A chip without a line in the mask is not called */
	aggr_reset_counts(test->priv);
	mask = 0;
	for (i = 0; i < num; i++) {
		if (lines[i].mock == MOCK_A)
			__set_bit(i, &mask);
	}
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->get_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, a->set_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, b->get_multiple_calls + b->set_multiple_calls, 0);
}

static void aggr_test_fwd_batching_grouped(struct kunit *test)
{
	aggr_expect_batched(test, aggr_grouped_lines,
			    ARRAY_SIZE(aggr_grouped_lines));
}

static void aggr_test_fwd_batching_interleaved(struct kunit *test)
{
	aggr_expect_batched(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));
}

static void aggr_test_fwd_batching_scattered(struct kunit *test)
{
	static const struct aggr_line lines[] = {
		{ MOCK_B, 7 }, { MOCK_A, 3 }, { MOCK_A, 0 }, { MOCK_B, 2 },
		{ MOCK_A, 5 }, { MOCK_B, 0 }, { MOCK_A, 7 },
	};

	aggr_expect_batched(test, lines, ARRAY_SIZE(lines));
}

/* Through gpiolib: a consumer's array get and set on the aggregated chip */
static void aggr_free_own_descs(void *data)
{
	struct gpio_desc **descs = data;

	for (; *descs; descs++)
		gpiochip_free_own_desc(*descs);
}

static void aggr_test_fwd_batching_gpiolib(struct kunit *test)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	unsigned int num = ARRAY_SIZE(aggr_interleaved_lines), i;
	unsigned long bits = 0;
	struct gpiochip_fwd *fwd;
	struct gpio_desc **descs;
	struct gpio_chip *chip;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines, num);
	chip = gpiochip_fwd_get_gpiochip(fwd);

	descs = kunit_kcalloc(test, num + 1, sizeof(*descs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, descs);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, aggr_free_own_descs,
						  descs),
			0);
	for (i = 0; i < num; i++) {
		descs[i] = gpiochip_request_own_desc(chip, i, "kunit",
						     GPIO_ACTIVE_HIGH,
						     GPIOD_ASIS);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, descs[i]);
	}

	a->values = BIT(0);
	b->values = BIT(1);
	KUNIT_EXPECT_EQ(test, gpiod_get_array_value(num, descs, NULL, &bits),
			0);
	KUNIT_EXPECT_EQ(test, bits, BIT(0) | BIT(3));
	KUNIT_EXPECT_EQ(test, a->get_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, b->get_multiple_calls, 1);

	bits = BIT(1) | BIT(2);
	KUNIT_EXPECT_EQ(test, gpiod_set_array_value(num, descs, NULL, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(1));
	KUNIT_EXPECT_EQ(test, b->values, BIT(0));
	KUNIT_EXPECT_EQ(test, a->set_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, b->set_multiple_calls, 1);
}

static void aggr_test_fwd_set_config(struct kunit *test)
{
	unsigned long pull_up = pinconf_to_config_packed(PIN_CONFIG_BIAS_PULL_UP,
							 1);
	unsigned long debounce =
		pinconf_to_config_packed(PIN_CONFIG_INPUT_DEBOUNCE, 1000);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_config(fwd, 3, pull_up), 0);
	KUNIT_EXPECT_EQ(test, b->config_calls, 1);
	KUNIT_EXPECT_EQ(test, b->last_config, pull_up);

	/* What the parent does not support: its error comes back as is */
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_config(fwd, 3, debounce),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, b->config_calls, 2);
}

static void aggr_test_fwd_to_irq(struct kunit *test)
{
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_to_irq(fwd, 0), a->irq_base);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_to_irq(fwd, 3),
			b->irq_base + 1);
}

static void aggr_test_fwd_active_low(struct kunit *test)
{
	static const struct aggr_line lines[] = {
		{ MOCK_A, 0, GPIO_ACTIVE_LOW },
		{ MOCK_A, 1 },
		{ MOCK_B, 2, GPIO_ACTIVE_LOW },
	};
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	unsigned long mask = GENMASK(2, 0), bits = 0;
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, lines, ARRAY_SIZE(lines));

	a->values = BIT(0) | BIT(1);
	b->values = 0;
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 0), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 1), 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 2), 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, bits, BIT(1) | BIT(2));

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(1));
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_direction_output(fwd, 2, 0), 0);
	KUNIT_EXPECT_EQ(test, b->values, BIT(2));

	bits = BIT(0) | BIT(1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->values, BIT(1));
	KUNIT_EXPECT_EQ(test, b->values, BIT(2));
}

static void aggr_test_fwd_open_drain(struct kunit *test)
{
	static const struct aggr_line lines[] = {
		{ MOCK_A, 2, GPIO_OPEN_DRAIN },
		{ MOCK_A, 3, GPIO_OPEN_DRAIN | GPIO_ACTIVE_LOW },
	};
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	unsigned long mask = GENMASK(1, 0), bits;
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, lines, ARRAY_SIZE(lines));

	/* Driving low drives the line */
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, a->output_calls, 1);
	KUNIT_EXPECT_FALSE(test, test_bit(2, &a->inputs));
	KUNIT_EXPECT_FALSE(test, test_bit(2, &a->values));

	/* Driving high lets it float: an input */
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, a->input_calls, 1);
	KUNIT_EXPECT_TRUE(test, test_bit(2, &a->inputs));
	KUNIT_EXPECT_EQ(test, a->set_calls, 0);

	/* Active low: high is driven low */
	aggr_reset_counts(test->priv);
	bits = BIT(0) | BIT(1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, a->input_calls, 1);
	KUNIT_EXPECT_EQ(test, a->output_calls, 1);
	KUNIT_EXPECT_TRUE(test, test_bit(2, &a->inputs));
	KUNIT_EXPECT_FALSE(test, test_bit(3, &a->inputs));
	KUNIT_EXPECT_FALSE(test, test_bit(3, &a->values));
}

static void aggr_test_fwd_can_sleep(struct kunit *test)
{
	static const struct aggr_line lines[] = {
		{ MOCK_A, 0 }, { MOCK_SLEEPY, 0 }, { MOCK_A, 1 },
		{ MOCK_SLEEPY, 1 },
	};
	struct aggr_mock *a = aggr_mock(test, MOCK_A);
	struct aggr_mock *s = aggr_mock(test, MOCK_SLEEPY);
	unsigned long mask = GENMASK(3, 0), bits = 0;
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, lines, ARRAY_SIZE(lines));
	KUNIT_EXPECT_TRUE(test, gpiochip_fwd_get_gpiochip(fwd)->can_sleep);

	/* The sleeping paths work, and batch too */
	a->values = BIT(1);
	s->values = BIT(0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 1), 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 3, 1), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, bits, GENMASK(3, 1));
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &mask),
			0);
	KUNIT_EXPECT_EQ(test, a->values, GENMASK(1, 0));
	KUNIT_EXPECT_EQ(test, s->values, GENMASK(1, 0));
	KUNIT_EXPECT_EQ(test, a->get_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, s->get_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, a->set_multiple_calls, 1);
	KUNIT_EXPECT_EQ(test, s->set_multiple_calls, 1);
}

static void aggr_test_fwd_cannot_sleep(struct kunit *test)
{
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_grouped_lines,
			    ARRAY_SIZE(aggr_grouped_lines));
	KUNIT_EXPECT_FALSE(test, gpiochip_fwd_get_gpiochip(fwd)->can_sleep);
}

static void aggr_test_fwd_only_sleepy(struct kunit *test)
{
	static const struct aggr_line lines[] = { { MOCK_SLEEPY, 4 } };
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, lines, ARRAY_SIZE(lines));
	KUNIT_EXPECT_TRUE(test, gpiochip_fwd_get_gpiochip(fwd)->can_sleep);
}

static void aggr_test_fwd_errors(struct kunit *test)
{
	unsigned long config = pinconf_to_config_packed(PIN_CONFIG_BIAS_PULL_UP,
							1);
	struct aggr_mock *b = aggr_mock(test, MOCK_B);
	unsigned long mask = GENMASK(3, 0), bits = 0;
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_fwd(test, aggr_interleaved_lines,
			    ARRAY_SIZE(aggr_interleaved_lines));

	b->err = -EIO;
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 1), -EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 1, 1), -EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			-EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			-EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_direction(fwd, 1), -EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_direction_input(fwd, 1), -EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_direction_output(fwd, 1, 1),
			-EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_config(fwd, 1, config),
			-EIO);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_to_irq(fwd, 1), -EIO);

	/* The lines of the other chip still work */
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 0), 1);
}

static void aggr_test_fwd_bad_setup(struct kunit *test)
{
	static const struct aggr_line lines[] = { { MOCK_A, 0 }, { MOCK_B, 0 } };
	struct aggr_test_ctx *ctx = test->priv;
	struct gpio_desc *descs[ARRAY_SIZE(lines)];
	struct gpiochip_fwd *fwd;

	KUNIT_EXPECT_EQ(test, PTR_ERR(devm_gpiochip_fwd_alloc(ctx->dev, 0)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test,
			PTR_ERR(devm_gpiochip_fwd_alloc(ctx->dev, U16_MAX + 1)),
			-EINVAL);

	aggr_get_descs(test, lines, ARRAY_SIZE(lines), descs);
	fwd = devm_gpiochip_fwd_alloc(ctx->dev, 3);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fwd);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, NULL, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, ERR_PTR(-EIO), 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[0], 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[0], 0), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[1], 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[1], 2), 0);
}

/*
 * Offsets without a parent line: a sparse forwarder. Registered with an
 * empty offset, it can sleep, and takes a sleeping line later.
 */
static void aggr_test_fwd_sparse(struct kunit *test)
{
	static const struct aggr_line lines[] = {
		{ MOCK_A, 0 }, { MOCK_B, 0 }, { MOCK_SLEEPY, 2 },
	};
	struct aggr_test_ctx *ctx = test->priv;
	struct gpio_desc *descs[ARRAY_SIZE(lines)];
	unsigned long mask, bits = 0;
	struct gpiochip_fwd *fwd;

	aggr_get_descs(test, lines, ARRAY_SIZE(lines), descs);
	fwd = devm_gpiochip_fwd_alloc(ctx->dev, 3);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fwd);
	KUNIT_ASSERT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[0], 0), 0);
	KUNIT_ASSERT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[1], 2), 0);
	KUNIT_ASSERT_EQ(test, gpiochip_fwd_register(fwd, NULL), 0);
	KUNIT_EXPECT_TRUE(test, gpiochip_fwd_get_gpiochip(fwd)->can_sleep);

	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_request(fwd, 0), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_request(fwd, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get(fwd, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 1, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_direction(fwd, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_to_irq(fwd, 1), -ENODEV);
	mask = BIT(0) | BIT(1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_get_multiple(fwd, &mask, &bits),
			-ENODEV);
	mask = BIT(0) | BIT(2);
	bits = BIT(2);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, aggr_mock(test, MOCK_B)->values, BIT(0));

	/* Nothing to free at an empty offset; a used one stays used */
	gpiochip_fwd_desc_free(fwd, 1);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_request(fwd, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[1], 0), -EEXIST);

	/* A sleeping line fills the empty offset, and works with the others */
	KUNIT_ASSERT_EQ(test, gpiochip_fwd_desc_add(fwd, descs[2], 1), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_request(fwd, 1), 0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set(fwd, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, aggr_mock(test, MOCK_SLEEPY)->values, BIT(2));
	mask = GENMASK(2, 0);
	bits = BIT(0);
	KUNIT_EXPECT_EQ(test, gpiochip_fwd_gpio_set_multiple(fwd, &mask, &bits),
			0);
	KUNIT_EXPECT_EQ(test, aggr_mock(test, MOCK_SLEEPY)->values, 0);
	KUNIT_EXPECT_EQ(test, aggr_mock(test, MOCK_A)->values & BIT(0), BIT(0));
}

static struct kunit_case aggr_fwd_cases[] = {
	KUNIT_CASE(aggr_test_fwd_chip),
	KUNIT_CASE(aggr_test_fwd_direction),
	KUNIT_CASE(aggr_test_fwd_get_set),
	KUNIT_CASE(aggr_test_fwd_chip_callbacks),
	KUNIT_CASE(aggr_test_fwd_multiple),
	KUNIT_CASE(aggr_test_fwd_batching_grouped),
	KUNIT_CASE(aggr_test_fwd_batching_interleaved),
	KUNIT_CASE(aggr_test_fwd_batching_scattered),
	KUNIT_CASE(aggr_test_fwd_batching_gpiolib),
	KUNIT_CASE(aggr_test_fwd_set_config),
	KUNIT_CASE(aggr_test_fwd_to_irq),
	KUNIT_CASE(aggr_test_fwd_active_low),
	KUNIT_CASE(aggr_test_fwd_open_drain),
	KUNIT_CASE(aggr_test_fwd_can_sleep),
	KUNIT_CASE(aggr_test_fwd_cannot_sleep),
	KUNIT_CASE(aggr_test_fwd_only_sleepy),
	KUNIT_CASE(aggr_test_fwd_errors),
	KUNIT_CASE(aggr_test_fwd_bad_setup),
	KUNIT_CASE(aggr_test_fwd_sparse),
	{ }
};

static struct kunit_suite aggr_fwd_suite = {
	.name = "gpio-aggregator-forwarder",
	.init = aggr_fwd_test_init,
	.test_cases = aggr_fwd_cases,
};

/*
 * No allocation in the forwarder's get and set paths
 *
 * They run with the next allocation of the task made to fail, through the
 * fault injection that /proc/<pid>/fail-nth drives (failslab for the slab,
 * fail_page_alloc for pages): they must still succeed, and the count must
 * show that no allocation was even tried. By default fault injection leaves
 * alone the allocations that may sleep, and pages of order 0: each case
 * sets failslab's and fail_page_alloc's ignore-gfp-wait to N and
 * fail_page_alloc's min-order to 0 (aggr_fault_knobs_set()), so that these
 * are caught too, in a KUnit kernel as in a module. The parent chips have as many
 * lines as gpiolib handles without allocating (GPIOLIB_FASTPATH_LIMIT), so
 * that its array calls into them do not allocate either.
 */

#define AGGR_WIDE_NGPIO		512

enum { WIDE_A, WIDE_B, WIDE_C, WIDE_D, NUM_WIDE };

/**
 * struct aggr_wide - a mock parent GPIO chip with many lines
 * @gc: the chip
 * @values: line levels
 */
struct aggr_wide {
	struct gpio_chip gc;
	DECLARE_BITMAP(values, AGGR_WIDE_NGPIO);
};

static const char *const aggr_wide_labels[NUM_WIDE] = {
	[WIDE_A] = "aggr-kunit-wide-A",
	[WIDE_B] = "aggr-kunit-wide-B",
	[WIDE_C] = "aggr-kunit-wide-C",
	[WIDE_D] = "aggr-kunit-wide-D",
};

static int aggr_wide_get_direction(struct gpio_chip *gc, unsigned int offset)
{
	return GPIO_LINE_DIRECTION_OUT;
}

static int aggr_wide_get(struct gpio_chip *gc, unsigned int offset)
{
	struct aggr_wide *wide = gpiochip_get_data(gc);

	return test_bit(offset, wide->values);
}

static int aggr_wide_get_multiple(struct gpio_chip *gc, unsigned long *mask,
				  unsigned long *bits)
{
	struct aggr_wide *wide = gpiochip_get_data(gc);

	bitmap_replace(bits, bits, wide->values, mask, gc->ngpio);

	return 0;
}

static int aggr_wide_set(struct gpio_chip *gc, unsigned int offset, int value)
{
	struct aggr_wide *wide = gpiochip_get_data(gc);

	__assign_bit(offset, wide->values, value);

	return 0;
}

static int aggr_wide_set_multiple(struct gpio_chip *gc, unsigned long *mask,
				  unsigned long *bits)
{
	struct aggr_wide *wide = gpiochip_get_data(gc);

	bitmap_replace(wide->values, wide->values, bits, mask, gc->ngpio);

	return 0;
}

/* Adds wide mock @idx; C and D can sleep, A and B cannot. */
static void aggr_wide_add(struct kunit *test, struct device *dev,
			  unsigned int idx)
{
	struct aggr_wide *wide;
	struct gpio_chip *gc;

	/* Freed by @dev after the chip is removed */
	wide = devm_kzalloc(dev, sizeof(*wide), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, wide);

	gc = &wide->gc;
	gc->label = aggr_wide_labels[idx];
	gc->parent = dev;
	gc->owner = THIS_MODULE;
	gc->base = -1;
	gc->ngpio = AGGR_WIDE_NGPIO;
	gc->can_sleep = idx >= WIDE_C;
	gc->get_direction = aggr_wide_get_direction;
	gc->get = aggr_wide_get;
	gc->get_multiple = aggr_wide_get_multiple;
	gc->set_rv = aggr_wide_set;
	gc->set_multiple_rv = aggr_wide_set_multiple;

	KUNIT_ASSERT_EQ(test, devm_gpiochip_add_data(dev, gc, wide), 0);
}

/*
 * The knobs of fault injection that make it catch every allocation. They
 * exist in debugfs only, with no kernel parameter, and built-in tests run
 * before userspace could write them; nor can the kernel write a debugfs
 * file (they have no write_iter). The case sets the values that the
 * files hold instead, found through debugfs (a debugfs file's inode
 * points to its value), and puts the old ones back after it.
 */
struct aggr_fault_knob {
	const char *dir;
	const char *name;
	bool is_bool;
	u32 value;
};

static const struct aggr_fault_knob aggr_fault_knobs[] = {
	{ "failslab", "ignore-gfp-wait", true, 0 },
	{ "fail_page_alloc", "ignore-gfp-wait", true, 0 },
	{ "fail_page_alloc", "min-order", false, 0 },
};

/**
 * struct aggr_fault_saved - a knob of fault injection and its old value
 * @knob: the knob
 * @data: the value the debugfs file holds
 * @old: its value before the case
 */
struct aggr_fault_saved {
	const struct aggr_fault_knob *knob;
	void *data;
	u32 old;
};

static void aggr_fault_knob_restore(void *arg)
{
	struct aggr_fault_saved *saved = arg;

	if (saved->knob->is_bool)
		WRITE_ONCE(*(bool *)saved->data, saved->old);
	else
		WRITE_ONCE(*(u32 *)saved->data, saved->old);
}

/* The value behind debugfs file @name of directory @dir, or NULL */
static void *aggr_fault_knob_data(const char *dir, const char *name)
{
	struct dentry *parent, *file;
	void *data = NULL;

	parent = debugfs_lookup(dir, NULL);
	if (IS_ERR_OR_NULL(parent))
		return NULL;

	file = debugfs_lookup(name, parent);
	if (!IS_ERR_OR_NULL(file)) {
		data = d_inode(file)->i_private;
		dput(file);
	}
	dput(parent);

	return data;
}

static void aggr_fault_knobs_set(struct kunit *test)
{
	const struct aggr_fault_knob *knob;
	struct aggr_fault_saved *saved;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(aggr_fault_knobs); i++) {
		knob = &aggr_fault_knobs[i];
		saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, saved);
		saved->knob = knob;
		saved->data = aggr_fault_knob_data(knob->dir, knob->name);
		KUNIT_ASSERT_NOT_NULL_MSG(test, saved->data,
					  "no %s/%s in debugfs", knob->dir,
					  knob->name);

		if (knob->is_bool) {
			saved->old = READ_ONCE(*(bool *)saved->data);
			WRITE_ONCE(*(bool *)saved->data, knob->value);
		} else {
			saved->old = READ_ONCE(*(u32 *)saved->data);
			WRITE_ONCE(*(u32 *)saved->data, knob->value);
		}
		KUNIT_ASSERT_EQ(test,
				kunit_add_action_or_reset(test,
							  aggr_fault_knob_restore,
							  saved),
				0);
	}
}

static int aggr_alloc_test_init(struct kunit *test)
{
	struct device *provider;
	unsigned int i;

	if (!IS_ENABLED(CONFIG_FAILSLAB) || !IS_ENABLED(CONFIG_FAIL_PAGE_ALLOC) ||
	    !IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		kunit_skip(test, "needs FAILSLAB, FAIL_PAGE_ALLOC and FAULT_INJECTION_DEBUG_FS");

	aggr_fault_knobs_set(test);

	provider = kunit_device_register(test, "wide-provider");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, provider);

	for (i = 0; i < NUM_WIDE; i++)
		aggr_wide_add(test, provider, i);

	return 0;
}

/*
 * A registered forwarder, on its own device, of @num lines taken from the
 * wide mocks @first and @second: in turn (first 0, second 0, first 1...) if
 * @interleaved, else all the lines of @first then all of @second.
 */
static struct gpiochip_fwd *aggr_make_wide_fwd(struct kunit *test,
					       const char *name,
					       unsigned int first,
					       unsigned int second,
					       bool interleaved)
{
	unsigned int i, chip, offset, num = 2 * AGGR_WIDE_NGPIO;
	struct gpiod_lookup_table *table;
	struct gpiochip_fwd *fwd;
	struct gpio_desc *desc;
	struct device *dev;

	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);

	table = kunit_kzalloc(test, struct_size(table, table, num + 1),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, table);
	table->dev_id = dev_name(dev);
	for (i = 0; i < num; i++) {
		if (interleaved) {
			chip = i % 2 ? second : first;
			offset = i / 2;
		} else {
			chip = i < AGGR_WIDE_NGPIO ? first : second;
			offset = i % AGGR_WIDE_NGPIO;
		}
		table->table[i] = GPIO_LOOKUP_IDX(aggr_wide_labels[chip], offset,
						  NULL, i, 0);
	}
	gpiod_add_lookup_table(table);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, aggr_remove_lookup_table,
						  table),
			0);

	fwd = devm_gpiochip_fwd_alloc(dev, num);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fwd);
	for (i = 0; i < num; i++) {
		desc = devm_gpiod_get_index(dev, NULL, i, GPIOD_ASIS);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, desc);
		KUNIT_ASSERT_EQ(test, gpiochip_fwd_desc_add(fwd, desc, i), 0);
	}
	KUNIT_ASSERT_EQ(test, gpiochip_fwd_register(fwd, NULL), 0);

	return fwd;
}

#ifdef CONFIG_FAULT_INJECTION
/* Makes the next allocation of this task fail, as /proc/self/fail-nth does */
static void aggr_fail_next_allocation(void)
{
	WRITE_ONCE(current->fail_nth, 1);
}

/* Stops it; returns whether an allocation was tried in between. */
static bool aggr_allocation_tried(void)
{
	unsigned int left = READ_ONCE(current->fail_nth);

	WRITE_ONCE(current->fail_nth, 0);

	return left != 1;
}
#else
static void aggr_fail_next_allocation(void)
{
}

static bool aggr_allocation_tried(void)
{
	return false;
}
#endif

/*
 * Sets then reads back the first @num lines of @fwd, all at once then the
 * last alone, with every allocation failing.
 */
static void aggr_expect_no_allocation(struct kunit *test,
				      struct gpiochip_fwd *fwd,
				      unsigned int num)
{
	unsigned int ngpio = gpiochip_fwd_get_gpiochip(fwd)->ngpio;
	int set_ret, get_ret, set1_ret, get1_ret;
	unsigned long *mask, *bits, *read;
	bool tried;

	mask = kunit_kcalloc(test, BITS_TO_LONGS(ngpio), sizeof(*mask),
			     GFP_KERNEL);
	bits = kunit_kcalloc(test, BITS_TO_LONGS(ngpio), sizeof(*bits),
			     GFP_KERNEL);
	read = kunit_kcalloc(test, BITS_TO_LONGS(ngpio), sizeof(*read),
			     GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, mask && bits && read);

	bitmap_set(mask, 0, num);
	bitmap_set(bits, num / 3, num / 2);

	aggr_fail_next_allocation();
	set_ret = gpiochip_fwd_gpio_set_multiple(fwd, mask, bits);
	get_ret = gpiochip_fwd_gpio_get_multiple(fwd, mask, read);
	set1_ret = gpiochip_fwd_gpio_set(fwd, num - 1, 1);
	get1_ret = gpiochip_fwd_gpio_get(fwd, num - 1);
	tried = aggr_allocation_tried();

	KUNIT_EXPECT_FALSE_MSG(test, tried, "an allocation with %u lines", num);
	KUNIT_EXPECT_EQ_MSG(test, set_ret, 0, "set_multiple of %u lines", num);
	KUNIT_EXPECT_EQ_MSG(test, get_ret, 0, "get_multiple of %u lines", num);
	KUNIT_EXPECT_TRUE_MSG(test, bitmap_equal(read, bits, num),
			      "values read back from %u lines", num);
	KUNIT_EXPECT_EQ(test, set1_ret, 0);
	KUNIT_EXPECT_EQ(test, get1_ret, 1);
}

static void aggr_expect_no_allocation_at_any_count(struct kunit *test,
						   struct gpiochip_fwd *fwd)
{
	static const unsigned int counts[] = { 1, 2, 8, 64, 512, 1024 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++)
		aggr_expect_no_allocation(test, fwd, counts[i]);
}

static void aggr_test_alloc_interleaved(struct kunit *test)
{
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_wide_fwd(test, "fwd-interleaved", WIDE_A, WIDE_B, true);
	KUNIT_ASSERT_FALSE(test, gpiochip_fwd_get_gpiochip(fwd)->can_sleep);
	aggr_expect_no_allocation_at_any_count(test, fwd);
}

static void aggr_test_alloc_grouped_sleeping(struct kunit *test)
{
	struct gpiochip_fwd *fwd;

	fwd = aggr_make_wide_fwd(test, "fwd-grouped", WIDE_C, WIDE_D, false);
	KUNIT_ASSERT_TRUE(test, gpiochip_fwd_get_gpiochip(fwd)->can_sleep);
	aggr_expect_no_allocation_at_any_count(test, fwd);
}

static struct kunit_case aggr_alloc_cases[] = {
	KUNIT_CASE(aggr_test_alloc_interleaved),
	KUNIT_CASE(aggr_test_alloc_grouped_sleeping),
	{ }
};

static struct kunit_suite aggr_alloc_suite = {
	.name = "gpio-aggregator-forwarder-no-alloc",
	.init = aggr_alloc_test_init,
	.test_cases = aggr_alloc_cases,
};

kunit_test_suites(&aggr_parser_suite, &aggr_fwd_suite, &aggr_alloc_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_IMPORT_NS(GPIO_FORWARDER);
MODULE_DESCRIPTION("KUnit tests of the GPIO Aggregator");
MODULE_LICENSE("GPL");
