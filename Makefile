# SPDX-License-Identifier: GPL-2.0
#
# Entry point for building and testing bufpool.  The kernel build reads
# Kbuild; the checks live in .ci/, kunit/ and userspace-test/.  "make"
# builds what a user installs, bufpool.ko; the examples, the test modules
# and the benchmark have targets of their own.
#
#   make help            every target, one line each (the "##" comments
#                        below, on the targets' own lines)
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

.PHONY: all help modules examples test-modules clean doc-samples W1 sparse checkpatch \
	kerneldoc kunit kunit-debug check demo deps tools vm-test vm-policy \
	soak bench htmldocs install uninstall dkms

# What the VM suites load beside bufpool.ko (Kbuild: BUFPOOL_BUILD).
TEST_MODULES := examples tests bench

all: modules ## the default: bufpool.ko

help: ## this list
	@sed -n 's/^\([a-zA-Z0-9 -]*\):.*## \(.*\)$$/\1\t\2/p' $(MAKEFILE_LIST) | \
		awk -F'\t' '{ n = split($$1, t, " "); for (i = 1; i <= n; i++) \
			printf "make %-13s %s\n", t[i], $$2 }'

# Says so when the modules are not for the running kernel but it has
# headers: a user on Debian 12's default 6.1 wants KVER=running (or 6.1).
modules: ## bufpool.ko, for KVER or KDIR (default: Debian's 6.12)
	@kdir=$$(.ci/kdir.sh) && \
	rel=$$(KDIR=$$kdir .ci/kdir.sh --release) && \
	if [ -z "$(KVER)$(KDIR)" ] && [ "$$rel" != "$$(uname -r)" ] && \
	   [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo "note: building for $$rel, not the running $$(uname -r):" \
		     "make KVER=running to load the modules here"; \
	fi && \
	echo "$(MAKE) -C $$kdir M=$(CURDIR) $(if $(BUFPOOL_BUILD),BUFPOOL_BUILD=\"$(BUFPOOL_BUILD)\" )modules" && \
	$(MAKE) -C "$$kdir" M=$(CURDIR) BUFPOOL_BUILD="$(BUFPOOL_BUILD)" modules

examples: ## bufpool.ko and the example clients (examples/)
	@$(MAKE) --no-print-directory modules BUFPOOL_BUILD=examples

test-modules: ## bufpool.ko and all the VM suites load: examples, test modules, bench
	@$(MAKE) --no-print-directory modules BUFPOOL_BUILD="$(TEST_MODULES)"

clean: ## remove what the targets built
	@if kdir=$$(.ci/kdir.sh 2>/dev/null); then \
		$(MAKE) -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf userspace-test/build
	rm -f tools/bufpool-stat examples/Module.symvers examples/modules.order
	rm -rf Documentation/output

# bufpool.ko alone (no BUFPOOL_BUILD: not the examples nor the tests), so
# that modules_install installs it alone and Module.symvers is its own.
# Signed only if KDIR has the kernel's signing key (Debian's headers do not).
install: ## install bufpool.ko (depmod) and, for clients, its headers and Module.symvers
	@set -e; kdir=$$(.ci/kdir.sh); \
	kver=$$(cat "$$kdir/include/config/kernel.release"); \
	nosign=; [ -f "$$kdir/certs/signing_key.x509" ] || \
		nosign=CONFIG_MODULE_SIG_ALL=; \
	$(MAKE) -C "$$kdir" M=$(CURDIR) modules; \
	$(MAKE) -C "$$kdir" M=$(CURDIR) $$nosign \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		modules_install; \
	install -D -m 644 include/bufpool.h $(BUFPOOL_USRSRC)/include/bufpool.h; \
	install -D -m 644 include/bufpool_layout.h \
		$(BUFPOOL_USRSRC)/include/bufpool_layout.h; \
	install -D -m 644 include/trace/events/bufpool.h \
		$(BUFPOOL_USRSRC)/include/trace/events/bufpool.h; \
	install -D -m 644 Module.symvers \
		$(BUFPOOL_USRSRC)/$$kver/Module.symvers; \
	echo "  INSTALL $(BUFPOOL_USRSRC)/{include/bufpool.h,include/bufpool_layout.h,$$kver/Module.symvers}"; \
	if [ -z "$(DESTDIR)" ]; then \
		echo "  DEPMOD  $$kver"; depmod -a "$$kver"; \
	else \
		echo "  DEPMOD  skipped (DESTDIR): run 'depmod -a $$kver' on the target"; \
	fi

# What make install installed; bufpool.h stays if DKMS's source tree (the
# same /usr/src/bufpool-<version>, dkms.conf and all) holds it.
uninstall: ## undo make install
	@set -e; kdir=$$(.ci/kdir.sh); \
	kver=$$(cat "$$kdir/include/config/kernel.release"); \
	rm -fv $(DESTDIR)/lib/modules/$$kver/$(INSTALL_MOD_DIR)/bufpool.ko*; \
	rm -rfv $(BUFPOOL_USRSRC)/$$kver; \
	if [ ! -e $(BUFPOOL_USRSRC)/dkms.conf ]; then \
		rm -fv $(BUFPOOL_USRSRC)/include/bufpool.h; \
		rm -fv $(BUFPOOL_USRSRC)/include/bufpool_layout.h; \
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

dkms: ## the DKMS check of make check (.ci/dkms-check.sh)
	@.ci/dkms-check.sh

W1 sparse checkpatch kerneldoc: ## a static check of make check (.ci/static.sh)
	@.ci/static.sh $@

htmldocs: ## Documentation/ as HTML: Documentation/output/html/index.html
	@.ci/htmldocs.sh

kunit: ## the KUnit test module in UML
	@kunit/run.sh normal

kunit-debug: ## the same with KASAN, lockdep, kmemleak, fault injection
	@kunit/run.sh debug

tools: tools/bufpool-stat ## tools/bufpool-stat, the debugfs viewer

tools/bufpool-stat: tools/bufpool-stat.c
	$(CC) -Wall -Wextra -O2 -o $@ $<

check: ## every test; ends with "N passed, N failed"
	@.ci/check.sh

demo: test-modules ## load the modules in a VM on Debian's kernel: counters, a leak report
	@userspace-test/host/vm-demo.sh

vm-test: test-modules ## the VM suite (the basic subset on 6.1 and 6.1-rt)
	@userspace-test/host/vm-test.sh

vm-policy: test-modules ## the policy boot: init_on_free=1, a leak_panic=1 panic
	@userspace-test/host/vm-policy.sh

doc-samples: test-modules ## re-record Documentation/samples/ (the reports the docs show) in the VM
	@VM_SAMPLES=record userspace-test/host/vm-test.sh

soak: test-modules ## everything at once in the VM for SOAK seconds (default 60)
	@userspace-test/host/vm-soak.sh

bench: ## the benchmark in UML and the VM: bench/results/ (long)
	@bench/run.sh

deps: ## install what the targets need (apt-get)
	@.ci/deps.sh
