// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module information of irq_sim.c built as a test-only module for
 * Debian's kernel (see Kbuild here): it is always built in, so it has none.
 */
#include <linux/module.h>

MODULE_DESCRIPTION("Interrupt simulator, as a module for the harness");
MODULE_LICENSE("GPL");
