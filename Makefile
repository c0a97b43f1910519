# SPDX-License-Identifier: GPL-2.0
#
# Entry point for building and testing bufpool.  The kernel build reads
# Kbuild; the checks live in .ci/, kunit/ and userspace-test/.
#
#   make                 build bufpool.ko, the examples and the test modules
#   make deps            install what the targets below need (apt-get)
#   make check           all of the tests below; ends with "N passed, N failed"
#   make W1 | sparse | checkpatch | kerneldoc | kunit | kunit-debug
#   make htmldocs        Documentation/ as HTML (Sphinx and the kernel's
#                        kernel-doc): Documentation/output/html/index.html
#   make tools           build tools/bufpool-stat, the debugfs viewer
#   make install         install bufpool.ko (lib/modules/<kernel>/updates),
#                        run depmod, and install bufpool.h and Module.symvers
#                        for client modules in /usr/src/bufpool-<version>
#                        (Documentation/install.rst); make uninstall undoes it
#   make dkms            the DKMS check of "make check" (.ci/dkms-check.sh)
#   make demo            load the modules in a qemu VM running Debian's kernel
#   make vm-test         the VM suite: usercopy, misuse, leak reports, unload
#                        (qemu; the basic subset on 6.1 and 6.1-rt)
#   make vm-policy       the policy boot: init_on_free=1, a leak_panic=1 panic
#   make soak            everything at once for SOAK seconds (default 60) in
#                        the VM, bufpool-stat -w watching (not in make check)
#   make bench           the benchmark, in UML and in the VM: bench/results/
#                        (not part of "make check"; it takes a while)
#
# KVER=  the kernel to build for and boot: 6.12 (default), 6.12-rt, 6.1,
#        6.1-rt (Debian's amd64 headers and image of that kernel: "make deps"
#        installs all four), "running", or a release in /lib/modules; for
#        make, W1, sparse, demo, vm-test, install (Documentation/kernels.rst)
# KDIR=  kernel build tree; overrides KVER (see .ci/kdir.sh)
# KSRC=  full 6.12 source tree for checkpatch, kernel-doc and KUnit (default:
#        $(CACHE)/linux-source-6.12, extracted from Debian's linux-source-6.12
#        tarball when missing; see .ci/ksrc.sh)
# CACHE= where the source tree and UML builds live (default:
#        $BUFPOOL_CACHE, else ~/.cache/bufpool)
# DESTDIR= staging root for make install (then depmod is left to the target)
# INSTALL_MOD_DIR= directory under lib/modules/<kernel>/ (default: updates)

CACHE ?= $(or $(BUFPOOL_CACHE),$(HOME)/.cache/bufpool)
export BUFPOOL_CACHE := $(CACHE)
# The one version is dkms.conf's.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="*\([^"]*\)"*$$/\1/p' dkms.conf)
INSTALL_MOD_DIR ?= updates
# Where make install puts bufpool.h and, per kernel, Module.symvers.
BUFPOOL_USRSRC = $(DESTDIR)/usr/src/bufpool-$(VERSION)

.PHONY: all modules clean W1 sparse checkpatch kerneldoc kunit kunit-debug \
	check demo deps tools vm-test vm-policy soak bench htmldocs install uninstall dkms

all: modules

# Says so when the modules are not for the running kernel but it has
# headers: a user on Debian 12's default 6.1 wants KVER=running (or 6.1).
modules:
	@kdir=$$(.ci/kdir.sh) && \
	rel=$$(KDIR=$$kdir .ci/kdir.sh --release) && \
	if [ -z "$(KVER)$(KDIR)" ] && [ "$$rel" != "$$(uname -r)" ] && \
	   [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo "note: building for $$rel, not the running $$(uname -r):" \
		     "make KVER=running to load the modules here"; \
	fi && \
	echo "$(MAKE) -C $$kdir M=$(CURDIR) modules" && \
	$(MAKE) -C "$$kdir" M=$(CURDIR) modules

clean:
	@if kdir=$$(.ci/kdir.sh 2>/dev/null); then \
		$(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf userspace-test/build
	rm -f tools/bufpool-stat examples/Module.symvers examples/modules.order
	rm -rf Documentation/output

# bufpool.ko alone (BUFPOOL_CORE_ONLY: not the examples nor the tests), so
# that modules_install installs it alone and Module.symvers is its own.
# Signed only if KDIR has the kernel's signing key (Debian's headers do not).
install:
	@set -e; kdir=$$(.ci/kdir.sh); \
	kver=$$(cat "$$kdir/include/config/kernel.release"); \
	nosign=; [ -f "$$kdir/certs/signing_key.x509" ] || \
		nosign=CONFIG_MODULE_SIG_ALL=; \
	$(MAKE) -C "$$kdir" M=$(CURDIR) BUFPOOL_CORE_ONLY=1 modules; \
	$(MAKE) -C "$$kdir" M=$(CURDIR) BUFPOOL_CORE_ONLY=1 $$nosign \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install; \
	install -D -m 644 include/bufpool.h $(BUFPOOL_USRSRC)/include/bufpool.h; \
	install -D -m 644 include/trace/events/bufpool.h \
		$(BUFPOOL_USRSRC)/include/trace/events/bufpool.h; \
	install -D -m 644 Module.symvers \
		$(BUFPOOL_USRSRC)/$$kver/Module.symvers; \
	echo "  INSTALL $(BUFPOOL_USRSRC)/{include/bufpool.h,$$kver/Module.symvers}"; \
	if [ -z "$(DESTDIR)" ]; then \
		echo "  DEPMOD  $$kver"; depmod -a "$$kver"; \
	else \
		echo "  DEPMOD  skipped (DESTDIR): run 'depmod -a $$kver' on the target"; \
	fi

# What make install installed; bufpool.h stays if DKMS's source tree (the
# same /usr/src/bufpool-<version>, dkms.conf and all) holds it.
uninstall:
	@set -e; kdir=$$(.ci/kdir.sh); \
	kver=$$(cat "$$kdir/include/config/kernel.release"); \
	rm -fv $(DESTDIR)/lib/modules/$$kver/$(INSTALL_MOD_DIR)/bufpool.ko*; \
	rm -rfv $(BUFPOOL_USRSRC)/$$kver; \
	if [ ! -e $(BUFPOOL_USRSRC)/dkms.conf ]; then \
		rm -fv $(BUFPOOL_USRSRC)/include/bufpool.h; \
		rm -fv $(BUFPOOL_USRSRC)/include/trace/events/bufpool.h; \
		rmdir --ignore-fail-on-non-empty \
			$(BUFPOOL_USRSRC)/include/trace/events \
			$(BUFPOOL_USRSRC)/include/trace 2>/dev/null || true; \
		rmdir --ignore-fail-on-non-empty $(BUFPOOL_USRSRC)/include \
			$(BUFPOOL_USRSRC) 2>/dev/null || true; \
	fi; \
	rmdir --ignore-fail-on-non-empty \
		$(DESTDIR)/lib/modules/$$kver/$(INSTALL_MOD_DIR) 2>/dev/null || true; \
	if [ -z "$(DESTDIR)" ]; then depmod -a "$$kver"; fi

dkms:
	@.ci/dkms-check.sh

W1 sparse checkpatch kerneldoc:
	@.ci/static.sh $@

htmldocs:
	@.ci/htmldocs.sh

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

vm-policy: modules
	@userspace-test/vm-policy.sh

soak: modules
	@userspace-test/vm-soak.sh

bench:
	@bench/run.sh

deps:
	@.ci/deps.sh
