/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builds gpio-aggregator.c, unchanged, against 6.12.y headers older than
 * the ones it is written for: the Kbuild file of the out-of-tree build
 * includes this header first when the kernel's struct gpio_chip has no
 * set_rv (Debian's 6.12.113, for one; 6.12.117 has it). Two differences of
 * such a gpiolib matter, both about errors of a set, which it cannot report:
 *
 * - it calls void set() and set_multiple(), and the driver's int-returning
 *   callbacks are stored there: an assignment to set_rv becomes one to set,
 *   through a void pointer, as the types differ only in the return value,
 *   which the caller ignores. Calling a function through a pointer of
 *   another type is only safe without control-flow integrity checks of the
 *   function types (kCFI), hence the check below;
 * - gpiod_set_value() and gpiod_set_value_cansleep() return void: here
 *   they return 0.
 */
#ifndef __GPIO_AGGREGATOR_COMPAT_H
#define __GPIO_AGGREGATOR_COMPAT_H

#ifdef CONFIG_CFI_CLANG
#error "kCFI: the GPIO aggregator needs set_rv in struct gpio_chip (6.12.117)"
#endif

#include <linux/gpio/consumer.h>

/*
 * chip->set_rv = f; becomes chip->set = (void *){ NULL } = f; (checkpatch
 * wants parentheses around such a macro, which the assignment cannot take).
 */
#define set_rv set = (void *){ NULL }
#define set_multiple_rv set_multiple = (void *){ NULL }

/* After the declarations of consumer.h, which these would break. */
#define gpiod_set_value(desc, value) \
	({ gpiod_set_value(desc, value); 0; })
#define gpiod_set_value_cansleep(desc, value) \
	({ gpiod_set_value_cansleep(desc, value); 0; })

#endif /* __GPIO_AGGREGATOR_COMPAT_H */
