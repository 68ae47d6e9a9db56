/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Included before irq_sim.c of the base tree when it is built as a
 * test-only module (see Kbuild here). Built in, irq_sim.c runs the handler
 * of a simulated interrupt with handle_simple_irq(irq_to_desc(irq)), and
 * irq_to_desc() is not exported to modules. generic_handle_irq(), which is,
 * runs the same handler (the one irq_sim.c sets) for the same interrupt:
 * these two macros turn that call into it.
 */
#include <linux/irq.h>
#include <linux/irqdesc.h>

#define irq_to_desc(irq) ((struct irq_desc *)(unsigned long)(irq))
#define handle_simple_irq(desc) generic_handle_irq((unsigned long)(desc))
