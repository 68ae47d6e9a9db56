# GPIO aggregator for Linux 6.12: build, boot and test.
#
# The product lives at its kernel paths (drivers/, include/, Documentation/,
# tools/); everything here only drives the scripts in harness/, which say
# what they do at their top. All output, logs included, goes to out/.
#
#   make run        build, boot, and show the aggregator at work
#   make test       every test and check; ends with "N passed, M failed"
#
# Other targets:
#   make deps       install the Debian packages needed (apt-get, as root)
#   make tree       unpack the base tree once and overlay our files on it
#   make build      build the test kernel, its modules and the test DTB
#   make shell      boot the test kernel with an interactive shell
#   make exec CMD='...'  boot, run CMD inside, exit with its status
#   make kunit      run our KUnit suites with kunit.py (DEBUG=1: as modules
#                   of the debug kernel)
#   make selftest   run the gpio-aggregator selftests in the test kernel
#   make check      checkpatch --strict, a W=1 build and sparse on our files
#   make patches    our work as a git format-patch series against the base
#                   tree, with a cover letter, in out/patches (or PATCH_DIR=)
#   make bench      benchmark: direct access, ours and the 6.12 driver
#   make fuzz [SEED=n] [N=n]  the fuzzer of the selftests on the debug kernel:
#                   N random sysfs and configfs operations (default 10000)
#                   from SEED (default random, printed), then a kmemleak scan
#   make coverage   line and branch coverage of gpio-aggregator.c by KUnit
#                   and the selftests, on the debug kernel (lcov)
#   make module [KDIR=dir]  build gpio-aggregator.ko out of tree against a
#                   kernel's headers (default: the running kernel's), as DKMS
#   make dkms-source [DIR=dir]  assemble the DKMS source tree (default
#                   out/dkms/gpio-aggregator), for 'dkms install DIR'
#   make deb        the Debian packages gpio-aggregator-dkms and
#                   gpio-vhost-user (dpkg-buildpackage, lintian) in out/deb
#   make debian-kernel  fetch and unpack Debian's 6.12 kernel packages
#   make debian-test  the debian-kernel step of make test: DKMS, then the
#                   selftests on Debian's own kernel under qemu
#   make vm         an aggregator handed to a QEMU guest through the
#                   vhost-user back-end tools/gpio/gpio-vhost-user.c
#   make clean      remove builds and logs (keeps the unpacked base tree)
#   make distclean  remove out/ entirely
#
# DEBUG=1 makes build, shell, exec, kunit and selftest use the debug kernel
# (KASAN, lockdep, kmemleak, UBSAN, debugobjects).

H := sh harness
DEBUG ?= 0
export DEBUG

FLAVOUR := $(if $(filter 1,$(DEBUG)),debug,test)

.PHONY: all run test deps tree build shell exec kunit selftest check patches bench fuzz coverage \
	module dkms-source deb debian-kernel debian-test vm clean distclean

all: build

deps:
	@$(H)/deps.sh

tree: deps
	@$(H)/overlay.sh

build: tree
	@$(H)/build.sh $(FLAVOUR)
	@$(H)/dtb.sh

shell: build
	@$(H)/boot.sh --shell

# CMD goes to the shell as written: $(value) keeps make from expanding the
# $ in it ($HOME, $?), and the quotes are escaped for the shell.
exec: build
	@$(H)/boot.sh '$(subst ','\'',$(value CMD))'

ifeq ($(DEBUG),1)
kunit: build
	@$(H)/kunit-debug.sh
else
kunit: tree
	@$(H)/kunit.sh
endif

selftest: build
	@$(H)/selftest.sh

# The KUnit build is the one that compiles the KUnit test file.
check: tree
	@$(H)/kunit.sh
	@$(H)/build.sh test
	@$(H)/check.sh

run: build
	@$(H)/run.sh

# The series goes to out/patches, or to PATCH_DIR.
patches: tree
	@PATCH_DIR='$(PATCH_DIR)' $(H)/series.sh

bench: build
	@$(H)/bench.sh

# Always the debug kernel, whatever DEBUG says: the point is its checks.
fuzz: tree
	@$(H)/build.sh debug
	@$(H)/dtb.sh
	@SEED='$(SEED)' N='$(N)' $(H)/fuzz.sh

# The debug kernel carries gcov for gpio-aggregator.o: its selftest and
# KUnit runs save the counters that coverage.sh reports, even when a test
# fails (the '-'); coverage.sh then fails when counters are missing.
coverage: tree
	@$(H)/build.sh debug
	@$(H)/dtb.sh
	-@DEBUG=1 $(H)/selftest.sh
	-@DEBUG=1 $(H)/kunit-debug.sh
	@$(H)/coverage.sh

KDIR ?= /lib/modules/$(shell uname -r)/build
module:
	@$(H)/module.sh '$(KDIR)'

DIR ?= out/dkms/gpio-aggregator
dkms-source:
	@sh dkms/source.sh '$(DIR)' && echo '$(DIR)'

deb: deps
	@$(H)/deb.sh

debian-kernel: deps
	@$(H)/debian-kernel.sh boot
	@$(H)/debian-kernel.sh old

debian-test: tree
	@$(H)/debian-test.sh
# The test kernel runs the back-end and QEMU; the guest kernel is built
# (once, then cached) by the script.
vm: tree
	@$(H)/build.sh test
	@$(H)/vm.sh

test: deps
	@$(H)/test.sh

clean:
	rm -rf out/build out/staging out/logs out/run out/coverage out/module
	rm -rf out/build out/staging out/logs out/run out/coverage out/vm

distclean:
	rm -rf out
