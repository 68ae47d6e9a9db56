/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces of gpio-aggregator.c, visible to its KUnit tests.
 */
#ifndef __GPIO_AGGREGATOR_H
#define __GPIO_AGGREGATOR_H

/**
 * struct gpio_aggregator_spec - a GPIO line of a new_device line spec
 * @key: label or device name (gpiochipN) of the parent chip, or name of the
 *       parent line; points into the parsed buffer
 * @offset: offset of the line in the parent chip, or -1 when @key is the
 *          name of the line
 * @token: the token the line comes from, for error messages
 */
struct gpio_aggregator_spec {
	const char *key;
	int offset;
	const char *token;
};

#if IS_ENABLED(CONFIG_KUNIT)
int gpio_aggregator_parse_spec(char *buf, struct gpio_aggregator_spec **specs);
#endif

#endif /* __GPIO_AGGREGATOR_H */
