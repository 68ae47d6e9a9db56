#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helper of gpio-aggregator.sh: a seeded, bounded fuzzer of the GPIO
aggregator's sysfs and configfs interfaces.

  gpio-aggregator-fuzz.py [--print] SEED N CHIP:LINES... [NAME...]

Makes N operations chosen by a pseudo-random generator seeded with SEED:
new_device writes of random line descriptions (valid, malformed, on the
CHIPs given and on chips that do not exist), delete_device writes, mkdir
and rmdir of configfs device and line directories, writes to their
attributes (key, offset, name, active_low), live toggles, writes to the
mirrors of sysfs devices, and attempts to unload the module, as they are
or after removing the configfs devices (the module is loaded again at once
when they succeed; the sysfs devices go with it). CHIP:LINES are gpio-sim chips (label and number of
lines) to aggregate; NAMEs are names of their lines.

The sequence depends on SEED alone, never on what the kernel answers: the
same SEED gives the same operations (--print prints them and makes none).
Each operation must succeed or fail with one of the errnos its interface
documents; any other outcome is reported. At the end, everything the
fuzzer made is removed. The kernel is left to the caller to check (no
splat, nothing left behind).

Prints "# fuzz: ..." lines (KTAP diagnostics); exits 1 when an operation
had an unexpected outcome, 2 on a usage error.
"""

import errno
import os
import random
import subprocess
import sys

DRIVER = "/sys/bus/platform/drivers/gpio-aggregator"
CONFIGFS = "/sys/kernel/config/gpio-aggregator"
MODULE = "gpio-aggregator"

# Directory names of the fuzzer's configfs devices
DEVICES = ["fz0", "fz1", "fz2", "fz3"]
# Ids of devices that new_device may create
IDS = 24

E = errno
# The outcomes each operation may have (0: success)
ALLOWED = {
    "new_device": {0, E.EINVAL},
    "delete_device": {0, E.EINVAL, E.ENOENT},
    "mkdir-device": {0, E.EEXIST, E.EINVAL, E.ENAMETOOLONG},
    "rmdir-device": {0, E.ENOENT, E.EBUSY, E.ENOTEMPTY, E.EPERM},
    "mkdir-line": {0, E.EEXIST, E.EINVAL, E.EBUSY, E.ENOENT, E.EPERM,
                   E.ENAMETOOLONG},
    "rmdir-line": {0, E.ENOENT, E.EBUSY, E.EPERM},
    # configfs refuses an empty write with EFAULT
    "attr": {0, E.EINVAL, E.EBUSY, E.ENOENT, E.EFAULT},
    # A failed probe: a chip, line or offset not found, or a line taken
    "live": {0, E.EINVAL, E.EBUSY, E.ENOENT, E.ENODEV, E.EFAULT},
    "read": {0, E.ENOENT},
    # Refused while a configfs device exists
    "unload": {0, 1},
    # The fuzzer's configfs devices removed first: must succeed
    "teardown-unload": {0},
}


class Gen:
    """Draws operations from a seeded generator."""

    def __init__(self, seed, chips, names):
        self.r = random.Random(seed)
        self.chips = chips
        self.names = names

    def pick(self, *choices):
        return self.r.choice(choices)

    def noise(self):
        """A token that is malformed in some way."""
        r = self.r
        return r.choice([
            "", " ", "\n", "\t", '"', '""', 'a"b', '"a b', "\x00", "x\x00y",
            "\x01", "\x1b[0m", "\x7f", "\xc3\xa9", "\xff", "\xa0", ",", "-",
            "5-3", "1,,2", "3-", "65535", "65536", "4294967296",
            "99999999999999999999", "-1", "+1", "=", "a=b",
            "x" * r.choice([100, 4095, 4096, 5000]),
            "".join(chr(r.randrange(256)) for _ in range(r.randrange(1, 12))),
        ])

    def offsets(self, lines):
        """An offsets list, mostly valid for a chip of @lines lines."""
        r = self.r
        # Malformed, or lines listed twice. No huge valid ranges: mirroring
        # a 65535-line device in configfs takes minutes on the debug kernel.
        if r.random() < 0.1:
            return self.pick("5-3", "1,,2", ",", "3-", "-3", "65535",
                             "0-65535", "4294967296", "1,1", "0-3,2")
        elems = []
        for _ in range(r.randrange(1, 4)):
            a = r.randrange(lines + 2)
            if r.random() < 0.3:
                elems.append("%d-%d" % (a, min(a + r.randrange(3), lines + 1)))
            else:
                elems.append(str(a))
        return ",".join(elems)

    def spec(self):
        """A new_device description."""
        r = self.r
        tokens = []
        for _ in range(r.randrange(0, 4)):
            x = r.random()
            if x < 0.55:
                label, lines = r.choice(self.chips)
                tokens += [label, self.offsets(lines)]
            elif x < 0.7 and self.names:
                tokens.append(r.choice(self.names))
            elif x < 0.8:
                tokens += ["agg-fuzz-absent", self.offsets(8)]
            elif x < 0.85:
                tokens.append('"%s"' % r.choice(self.names or ["a b"]))
            else:
                tokens.append(self.noise())
        sep = self.pick(" ", " ", " ", "  ", "\t", "\n")
        text = sep.join(tokens)
        if r.random() < 0.5:
            text += "\n"
        return text

    def value(self, attr):
        """A value for a configfs attribute."""
        r = self.r
        if r.random() < 0.2:
            return self.noise()
        if attr == "key":
            return self.pick(*[c for c, _ in self.chips], *self.names,
                             "agg-fuzz-absent", "")
        if attr == "offset":
            return str(r.randrange(-2, 20))
        if attr == "name":
            return self.pick("", "fz-line", "fz line", "fz-%d" % r.randrange(4))
        return self.pick("0", "1", "yes", "no", "on", "off", "true", "false")

    def line_dir(self):
        if self.r.random() < 0.05:
            return self.pick("line", "line01", "line-1", "foo", "line65535",
                             "line4294967296", "line\x01")
        return "line%d" % self.r.randrange(4)

    def device_dir(self):
        """A configfs device: the fuzzer's, or a sysfs device's mirror."""
        if self.r.random() < 0.15:
            return "_sysfs.%d" % self.r.randrange(IDS)
        return self.r.choice(DEVICES)

    def op(self):
        """One operation: (kind, path, data)."""
        r = self.r
        x = r.random()
        if x < 0.2:
            return ("new_device", DRIVER + "/new_device", self.spec())
        if x < 0.3:
            name = "gpio-aggregator.%d" % r.randrange(IDS)
            if r.random() < 0.1:
                name = self.noise()
            return ("delete_device", DRIVER + "/delete_device",
                    name + self.pick("", "\n"))
        if x < 0.37:
            name = r.choice(DEVICES)
            if r.random() < 0.1:
                name = self.pick("_sysfs", "_sysfs.1", "x" * 300, "fz\n")
            return ("mkdir-device", CONFIGFS + "/" + name, None)
        if x < 0.41:
            return ("rmdir-device", CONFIGFS + "/" + self.device_dir(), None)
        if x < 0.51:
            return ("mkdir-line", "%s/%s/%s" % (CONFIGFS, self.device_dir(),
                                                self.line_dir()), None)
        if x < 0.56:
            return ("rmdir-line", "%s/%s/%s" % (CONFIGFS, self.device_dir(),
                                                self.line_dir()), None)
        if x < 0.8:
            attr = self.pick("key", "offset", "name", "active_low")
            return ("attr", "%s/%s/%s/%s" % (CONFIGFS, self.device_dir(),
                                             self.line_dir(), attr),
                    self.value(attr) + self.pick("", "\n"))
        if x < 0.95:
            value = self.pick("1", "0", "1", "0", "on", "off")
            if r.random() < 0.1:
                value = self.noise()
            return ("live", "%s/%s/live" % (CONFIGFS, self.device_dir()),
                    value + self.pick("", "\n"))
        if x < 0.99:
            what = self.pick("live", "dev_name", "line0/key", "line1/offset",
                             "line0/name", "line2/active_low")
            return ("read", "%s/%s/%s" % (CONFIGFS, self.device_dir(), what),
                    None)
        if r.random() < 0.5:
            return ("unload", MODULE, None)
        return ("teardown-unload", MODULE, None)


def run_op(kind, path, data):
    """Makes one operation; returns 0 or the errno it failed with."""
    try:
        if kind in ("new_device", "delete_device", "attr", "live"):
            fd = os.open(path, os.O_WRONLY)
            try:
                # One write(2) of the exact bytes
                os.write(fd, data.encode("latin-1"))
            finally:
                os.close(fd)
        elif kind.startswith("mkdir"):
            os.mkdir(path)
        elif kind.startswith("rmdir"):
            os.rmdir(path)
        elif kind == "read":
            with open(path, "rb") as f:
                f.read()
        elif kind in ("unload", "teardown-unload"):
            if kind == "teardown-unload":
                remove_configfs_devices()
            if subprocess.run(["rmmod", path], stderr=subprocess.DEVNULL).returncode:
                return 1
            # Back at once, so that the next operations find it
            subprocess.run(["modprobe", path], check=True)
    except OSError as e:
        return e.errno
    except ValueError:
        # A path with a NUL in it: refused before any system call
        return E.EINVAL if kind != "new_device" else 0
    return 0


def remove_configfs_devices():
    """Takes down and removes every configfs device (not the mirrors)."""
    for name in sorted(os.listdir(CONFIGFS)):
        path = CONFIGFS + "/" + name
        if name.startswith("_sysfs"):
            continue
        with open(path + "/live", "w") as f:
            f.write("0")
        for line in os.listdir(path):
            if line.startswith("line"):
                os.rmdir(path + "/" + line)
        os.rmdir(path)


def cleanup():
    """Removes every aggregator left: configfs ones, then sysfs ones."""
    remove_configfs_devices()
    for name in sorted(os.listdir(CONFIGFS)):
        with open(CONFIGFS + "/" + name + "/dev_name") as f:
            dev = f.read().strip()
        with open(DRIVER + "/delete_device", "w") as f:
            f.write(dev)


def describe(kind, path, data):
    text = path if data is None else "%s <- %r" % (path, data[:80])
    return "%s %s" % (kind, text)


def main(argv):
    show = argv[:1] == ["--print"]
    if show:
        argv = argv[1:]
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    seed, count = int(argv[0]), int(argv[1])
    chips, names = [], []
    for arg in argv[2:]:
        label, sep, lines = arg.rpartition(":")
        if sep and lines.isdigit():
            chips.append((label, int(lines)))
        else:
            names.append(arg)
    if not chips:
        print("# fuzz: no chip given", file=sys.stderr)
        return 2

    gen = Gen(seed, chips, names)
    print("# fuzz: seed %d, %d operations" % (seed, count), flush=True)
    outcomes = {}
    unexpected = 0
    for i in range(count):
        kind, path, data = gen.op()
        if show:
            print("%d %s" % (i, describe(kind, path, data)))
            continue
        err = run_op(kind, path, data)
        if kind.endswith("unload"):
            res = "refused" if err == 1 else "ok" if not err else str(err)
        else:
            res = errno.errorcode.get(err, "ok" if not err else str(err))
        key = (kind, res)
        outcomes[key] = outcomes.get(key, 0) + 1
        if err not in ALLOWED[kind]:
            unexpected += 1
            print("# fuzz: operation %d: %s: unexpected %s" %
                  (i, describe(kind, path, data), key[1]), flush=True)
    if show:
        return 0

    cleanup()
    kinds = sorted({k for k, _ in outcomes})
    for kind in kinds:
        print("# fuzz: %-15s %s" % (kind, ", ".join(
            "%s %d" % (res, n) for (k, res), n in sorted(outcomes.items())
            if k == kind)))
    print("# fuzz: seed %d: %d operations, %d unexpected outcomes" %
          (seed, count, unexpected))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
