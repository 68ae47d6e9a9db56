// SPDX-License-Identifier: GPL-2.0
/*
 * gpio-irq-test: a kernel consumer of a GPIO line's interrupt, for the VM
 * test's guest (harness/vm.sh). The GPIO chardev reports edges only; level
 * interrupts reach kernel consumers, and this one shows how a level held
 * behaves: a threaded handler with IRQF_ONESHOT keeps the line masked until
 * it returns, and it returns only when told to.
 *
 * /sys/kernel/gpio_irq_test/:
 *   request  (write) "LABEL OFFSET high|low": request the interrupt of
 *            line OFFSET of the chip labelled LABEL, IRQF_TRIGGER_HIGH or
 *            IRQF_TRIGGER_LOW, with IRQF_ONESHOT
 *   count    (read)  handler runs since the request; poll()able
 *   ack      (write) let the waiting handler return (the line is unmasked)
 *   release  (write) free the interrupt
 */
#include <linux/completion.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/init.h>
#include <linux/interrupt.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

#define GIT_ACK_TIMEOUT	(30 * HZ)

static struct {
	struct mutex lock;	/* request and release */
	struct kobject *kobj;
	struct completion ack;
	atomic_t count;
	int irq;		/* 0: none requested */
} git = { .lock = __MUTEX_INITIALIZER(git.lock) };

static irqreturn_t git_thread(int irq, void *data)
{
	atomic_inc(&git.count);
	sysfs_notify(git.kobj, NULL, "count");
	/* masked until we return: one run per unmask */
	wait_for_completion_timeout(&git.ack, GIT_ACK_TIMEOUT);
	return IRQ_HANDLED;
}

static int git_irq_of(const char *label, unsigned int offset)
{
	struct gpio_device *gdev __free(gpio_device_put) = gpio_device_find_by_label(label);
	struct gpio_desc *desc;

	if (!gdev)
		return -ENODEV;
	desc = gpio_device_get_desc(gdev, offset);
	if (IS_ERR(desc))
		return PTR_ERR(desc);
	return gpiod_to_irq(desc);
}

static ssize_t request_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t len)
{
	char label[32], trig[8];
	unsigned long flags = IRQF_ONESHOT;
	unsigned int offset;
	int irq, ret;

	if (sscanf(buf, "%31s %u %7s", label, &offset, trig) != 3)
		return -EINVAL;
	if (!strcmp(trig, "high"))
		flags |= IRQF_TRIGGER_HIGH;
	else if (!strcmp(trig, "low"))
		flags |= IRQF_TRIGGER_LOW;
	else
		return -EINVAL;

	guard(mutex)(&git.lock);
	if (git.irq)
		return -EBUSY;
	irq = git_irq_of(label, offset);
	if (irq < 0)
		return irq;
	atomic_set(&git.count, 0);
	reinit_completion(&git.ack);
	ret = request_threaded_irq(irq, NULL, git_thread, flags, "gpio-irq-test", &git);
	if (ret)
		return ret;
	git.irq = irq;
	return len;
}

static ssize_t count_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&git.count));
}

static ssize_t ack_store(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t len)
{
	complete(&git.ack);
	return len;
}

static ssize_t release_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t len)
{
	guard(mutex)(&git.lock);
	if (!git.irq)
		return -ENOENT;
	/* a handler waiting for its ack returns before free_irq() waits for it */
	complete_all(&git.ack);
	free_irq(git.irq, &git);
	git.irq = 0;
	return len;
}

static struct kobj_attribute git_request = __ATTR_WO(request);
static struct kobj_attribute git_count = __ATTR_RO(count);
static struct kobj_attribute git_ack = __ATTR_WO(ack);
static struct kobj_attribute git_release = __ATTR_WO(release);

static struct attribute *git_attrs[] = {
	&git_request.attr,
	&git_count.attr,
	&git_ack.attr,
	&git_release.attr,
	NULL
};

static const struct attribute_group git_group = { .attrs = git_attrs };

static int __init git_init(void)
{
	int ret;

	init_completion(&git.ack);
	git.kobj = kobject_create_and_add("gpio_irq_test", kernel_kobj);
	if (!git.kobj)
		return -ENOMEM;
	ret = sysfs_create_group(git.kobj, &git_group);
	if (ret)
		kobject_put(git.kobj);
	return ret;
}
late_initcall(git_init);
