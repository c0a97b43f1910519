# SPDX-License-Identifier: GPL-2.0
#
# Entry point for building and testing bufpool.  The kernel build reads
# Kbuild; the checks live in .ci/, kunit/ and userspace-test/.
#
#   make                 build bufpool.ko and examples/bufpool_example.ko
#   make deps            install what the targets below need (apt-get)
#   make check           all of the tests below; ends with "N passed, N failed"
#   make W1 | sparse | checkpatch | kerneldoc | kunit | kunit-debug
#   make tools           build tools/bufpool-stat, the debugfs viewer
#   make demo            load the modules in a qemu VM running Debian's kernel
#   make vm-test         the VM suite: usercopy, misuse, leak reports, unload
#                        (qemu; the basic subset on 6.1 and 6.1-rt)
#   make bench           the benchmark, in UML and in the VM: bench/results/
#                        (not part of "make check"; it takes a while)
#
# KVER=  the kernel to build for and boot: 6.12 (default), 6.12-rt, 6.1,
#        6.1-rt (Debian's amd64 headers and image of that kernel: "make deps"
#        installs all four), "running", or a release in /lib/modules; for
#        make, W1, sparse, demo, vm-test (Documentation/kernels.rst)
# KDIR=  kernel build tree; overrides KVER (see .ci/kdir.sh)
# KSRC=  full 6.12 source tree for checkpatch, kernel-doc and KUnit (default:
#        $(CACHE)/linux-source-6.12, extracted from Debian's linux-source-6.12
#        tarball when missing; see .ci/ksrc.sh)
# CACHE= where the source tree and UML builds live (default:
#        $BUFPOOL_CACHE, else ~/.cache/bufpool)

CACHE ?= $(or $(BUFPOOL_CACHE),$(HOME)/.cache/bufpool)
export BUFPOOL_CACHE := $(CACHE)

.PHONY: all modules clean W1 sparse checkpatch kerneldoc kunit kunit-debug \
	check demo deps tools vm-test bench

all: modules

modules:
	@kdir=$$(.ci/kdir.sh) && \
	echo "$(MAKE) -C $$kdir M=$(CURDIR) modules" && \
	$(MAKE) -C "$$kdir" M=$(CURDIR) modules

clean:
	@if kdir=$$(.ci/kdir.sh 2>/dev/null); then \
		$(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf userspace-test/build
	rm -f tools/bufpool-stat

W1 sparse checkpatch kerneldoc:
	@.ci/static.sh $@

kunit:
	@kunit/run.sh normal

kunit-debug:
	@kunit/run.sh debug

tools: tools/bufpool-stat

tools/bufpool-stat: tools/bufpool-stat.c
	$(CC) -Wall -Wextra -O2 -o $@ $<

check:
	@.ci/check.sh

demo: modules
	@userspace-test/vm-demo.sh

vm-test: modules
	@userspace-test/vm-test.sh

bench:
	@bench/run.sh

deps:
	@.ci/deps.sh
