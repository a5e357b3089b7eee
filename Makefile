# SPDX-License-Identifier: GPL-2.0
#
# layerfs: kernel module (kernel/), control tool (userspace/), tests.
#
#   make               build kernel/layerfs.ko, userspace/layerctl and tests/tools
#   make check         install what is missing, build, run unit and guest tests
#                      (all on Debian 12's 6.1 kernel, five on its 6.12 one)
#   make guest-check-612  those five guest tests on the 6.12 LTS kernel
#   make demo          install what is missing, build, boot the guest, run the demo
#   make install       install the module (modules_install + depmod) for the
#                      RUNNING kernel (or KVER=), layerctl, its man pages,
#                      bash completion and systemd unit; make uninstall
#   make dkms-install  the module source in /usr/src/layerfs-VERSION, built
#                      by DKMS for every installed kernel (and later ones);
#                      make dkms-uninstall
#   make deb           Debian packages layerctl and layerfs-dkms (debhelper)
#                      in build/deb/, with dpkg-deb -c and lintian output;
#                      make deb-module: the packaged source built as DKMS
#                      builds it, for t-installed (build/installed/)
#   make style         checkpatch.pl over the kernel sources
#   make guest-boots   the layer store across reboots and a power cut (3 boots)
#   make check-boot    the packages installed on a debootstrapped Debian 12
#                      systemd disk, booted 4 times (6.1, 6.1, 6.12, 6.12):
#                      layers and persisted views restored at boot
#                      (BOOT_INSTALL=checkout: make dkms-install instead)
#   make check-debug   the guest tests on a debug kernel (KASAN, lockdep,
#                      kmemleak, failslab) built once per machine
#   make bench         boot the guest, time layerfs against overlayfs and the
#                      native filesystem at depths 1-4096 (BENCH_QUICK=1: smoke
#                      run; BENCH_REPS=N, BENCH_DEPTHS="1 8 ...", BENCH_FS=ext4)
#   make bench-commit  time layerctl commit against tar | sha256sum (1 MiB, 1 GiB),
#                      the store's size and the view's earlier commits
#                      (BENCH_QUICK=1: short run)
#   make fuzz          fuzz layerctl's import path (libFuzzer, host only,
#                      FUZZ_SECONDS=60; make check runs it for 30 s)
#   make bench-oci     OCI export/import throughput against tar (host), then
#                      push and pull of a 1 GiB image against skopeo copy
#                      to and from docker-registry (guest; OCI_REG_MB=N)
#   make stress        random operations, commits, listings and mounts for
#                      STRESS_SECONDS (600) in the guest
#   make clean

# make install/uninstall: the running kernel unless KVER= (or KDIR=) is
# given; every other target: the packaged kernel (scripts/kver.sh).
INSTALL_KVER := $(if $(filter undefined,$(origin KVER)),$(shell uname -r),$(KVER))
INSTALL_KDIR := $(if $(filter undefined,$(origin KDIR)),/lib/modules/$(INSTALL_KVER)/build,$(KDIR))
KVER ?= $(shell scripts/kver.sh 2>/dev/null)
# Debian 12's 6.12 LTS kernel (linux-image-6.12-amd64) and the guest tests
# make check runs on it.
KVER_612 ?= $(shell scripts/kver.sh 6.12 2>/dev/null)
TESTS_612 ?= smoke semantics fileops commit-core perm robust readdir-memcg
KDIR ?= /lib/modules/$(KVER)/build
# The module's DKMS name and version (userspace/layerctl.c's version).
VERSION := $(shell scripts/module-src.sh --version 2>/dev/null)
PREFIX ?= /usr/local
DESTDIR ?=
# Guest tests to run ("all" or a space-separated list of tests/guest names).
TESTS ?= all
# make bench: BENCH_QUICK=1 for a short smoke run, BENCH_REPS=N repetitions,
# BENCH_DEPTHS, BENCH_FS, BENCH_WORKLOADS (tests/bench/bench.sh).
# make bench-commit: BENCH_QUICK=1 for a short run (tests/bench/commit.sh).
BENCH_QUICK ?= 0
# make bench-oci: the image size of its registry half, in MiB.
OCI_REG_MB ?= 1024
BENCH_REPS ?=
BENCH_DEPTHS ?=
BENCH_FS ?=
BENCH_WORKLOADS ?=
# make fuzz: seconds of fuzzing (default 60; 30 in make check).
FUZZ_SECONDS ?=

.PHONY: all module userspace tools deps check unit guest-check guest-boots demo bench bench-commit fuzz bench-oci install clean style
.PHONY: guest-check-612
.PHONY: check-debug debug-kernel stress
.PHONY: uninstall dkms-install dkms-uninstall deb deb-deps deb-module check-boot

all: module userspace tools

module:
	@test -d "$(KDIR)" || { echo "layerfs: no kernel headers at '$(KDIR)' (run 'make deps')" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

# Test tools the guest tests run (differential and page-cache tests).
tools:
	$(MAKE) -C tests/tools

deps:
	scripts/install-deps.sh

# Each step is its own make so that KVER/KDIR are evaluated after the
# packages they come from are installed.  CHECK_BOOT=1 adds check-boot's
# boots (not by default: 8.5 min with little load, 15 min beside other
# guests, and a machine's first run builds its Debian tree, 24 min; see
# README "Installing").
CHECK_BOOT ?= 0
# Builds use every CPU; the tests themselves run one at a time.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps
	$(MAKE) -j$(JOBS) all
	$(MAKE) style
	$(MAKE) -j$(JOBS) -C userspace layerctl ../tests/unit/check_layerctl
	$(MAKE) unit
	$(MAKE) fuzz FUZZ_SECONDS=$(or $(FUZZ_SECONDS),30)
	$(MAKE) deb deb-module
	$(MAKE) guest-check
	$(MAKE) guest-check-612
	$(MAKE) guest-boots
	$(if $(filter 1,$(CHECK_BOOT)),tests/guest/boots-installed.sh)

# The runner and the scripts side by side (userspace/Makefile's check),
# and the bench report's targets on fabricated results (no guest).
unit:
	$(MAKE) -j$(JOBS) -C userspace check
	$(MAKE) -C tests/bench check

# The import path under libFuzzer (tests/fuzz/): no crash, leak or write
# outside the target directory.  Host only, no guest.
fuzz:
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60)

# OCI export/import throughput beside tar (tests/bench/oci.sh), then push and
# pull beside skopeo copy in a guest (tests/bench/oci-reg.sh); not in check.
bench-oci: module userspace
	tests/bench/oci.sh
	OCI_REG_MB="$(OCI_REG_MB)" tests/bench/oci-reg.sh --kver "$(KVER)"

# The kernel-log checker is tested on the host first: guest results rely on it.
# Each test has its own limit (tests/guest/run.sh: 300 s unless it says
# more); the whole boot's limit is a backstop with room for a busy machine
# (the suite takes about 17 min on a quiet one, 25 min or more beside
# another guest).
# The guest loads kernel/layerfs.ko if it is built for $(KVER), else one
# built for $(KVER) in build/kver-$(KVER) (scripts/module-for.sh), so KVER=
# picks the kernel without rebuilding the tree's module.
GUEST_CHECK_TIMEOUT ?= 3000
guest-check:
	tests/guest/klog-check-selftest.sh
	ko=$$(scripts/module-for.sh "$(KVER)") && \
	scripts/guest-run.sh --kver "$(KVER)" --timeout $(GUEST_CHECK_TIMEOUT) \
		--env "LAYERFS_KO=$$ko" -- tests/guest/run.sh $(TESTS)

# $(TESTS_612) on the 6.12 LTS kernel.
GUEST_CHECK_612_TIMEOUT ?= 1500
guest-check-612:
	@test -n "$(KVER_612)" || { echo "layerfs: linux-image-6.12-amd64 is not installed (run 'make deps')" >&2; exit 1; }
	$(MAKE) guest-check KVER="$(KVER_612)" TESTS="$(TESTS_612)" \
		GUEST_CHECK_TIMEOUT=$(GUEST_CHECK_612_TIMEOUT)

# Longer stress (tests/guest/t-stress.sh): STRESS_SECONDS (default 600),
# STRESS_WORKERS (8) and STRESS_SEED (1).  make check runs it for 60 s.
STRESS_SECONDS ?= 600
STRESS_WORKERS ?= 8
STRESS_SEED ?= 1
stress: module userspace tools
	ko=$$(scripts/module-for.sh "$(KVER)") && \
	scripts/guest-run.sh --kver "$(KVER)" --timeout $$(($(STRESS_SECONDS) + 900)) \
		--env "LAYERFS_KO=$$ko" \
		--env STRESS_SECONDS=$(STRESS_SECONDS) --env STRESS_WORKERS=$(STRESS_WORKERS) \
		--env STRESS_SEED=$(STRESS_SEED) -- tests/guest/run.sh stress

# The layer store across reboots and a power cut: three boots on one ext4
# disk image (tests/guest/boots-commit.sh).
guest-boots:
	KVER="$(KVER)" tests/guest/boots-commit.sh

# Boot-time restore on a real systemd machine (tests/guest/boots-installed.sh):
# the packages of make deb installed with dpkg -i into a debootstrapped
# Debian 12 tree (scripts/boot-image.sh, built once and cached under
# /var/cache/layerfs), its ext4 disk booted twice on 6.1 and twice on 6.12.
# BOOT_INSTALL=checkout: make dkms-install and make -C userspace install
# instead of the packages (README "Installing", DKMS from a checkout).
BOOT_INSTALL ?= deb
check-boot: $(if $(filter checkout,$(BOOT_INSTALL)),userspace,deb)
	BOOT_INSTALL="$(BOOT_INSTALL)" tests/guest/boots-installed.sh

# Commit time against tar | sha256sum, 1 MiB and 1 GiB uppers, against the
# number of layers in the store and of earlier commits on the view (not in
# check): build/bench-commit.json.
bench-commit: module userspace
	BENCH_QUICK="$(BENCH_QUICK)" BENCH_REPS="$(BENCH_REPS)" tests/bench/commit.sh --kver "$(KVER)"

# The debug kernel (scripts/build-debug-kernel.sh: cached under
# /var/cache/layerfs, long the first time) and the guest tests on it,
# layerfs.ko built against it in build/debug (scripts/check-debug.sh).
debug-kernel: deps
	scripts/build-debug-kernel.sh

check-debug: deps
	$(MAKE) userspace tools
	scripts/check-debug.sh $(TESTS)

demo: deps
	$(MAKE) all
	scripts/guest-run.sh --kver "$$(scripts/kver.sh)" -- tests/demo.sh

# Results: build/bench.json (and bench.tsv, bench.txt); see tests/bench/.
bench: module userspace
	$(MAKE) -C tests/bench
	BENCH_QUICK="$(BENCH_QUICK)" BENCH_REPS="$(BENCH_REPS)" BENCH_DEPTHS="$(BENCH_DEPTHS)" \
		BENCH_FS="$(BENCH_FS)" BENCH_WORKLOADS="$(BENCH_WORKLOADS)" \
		tests/bench/bench.sh --kver "$(KVER)"

# The module goes to /lib/modules/KVER/updates/kernel/layerfs.ko (updates/
# comes first in depmod's search order).
install: userspace
	@test -d "$(INSTALL_KDIR)" || { echo "layerfs: no kernel headers at '$(INSTALL_KDIR)' for kernel $(INSTALL_KVER) (apt-get install linux-headers-$(INSTALL_KVER), or give KVER=)" >&2; exit 1; }
	$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR) modules
	$(MAKE) -C $(INSTALL_KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(INSTALL_KVER)
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(INSTALL_KVER)/updates/kernel/layerfs.ko* \
		$(DESTDIR)/lib/modules/$(INSTALL_KVER)/extra/kernel/layerfs.ko*
	if [ -d $(DESTDIR)/lib/modules/$(INSTALL_KVER) ]; then \
		depmod -a $(if $(DESTDIR),-b $(DESTDIR)) $(INSTALL_KVER); fi
	$(MAKE) -C userspace uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# DKMS: the source in /usr/src/layerfs-$(VERSION) (scripts/module-src.sh),
# built and installed for every kernel with headers; DKMS builds it again
# for each kernel installed later (AUTOINSTALL).  Exits 1 if any kernel
# failed, after trying them all.
dkms-install:
	@command -v dkms >/dev/null || { echo "layerfs: dkms is not installed (scripts/install-deps.sh --packaging)" >&2; exit 1; }
	-dkms remove -m layerfs -v $(VERSION) --all >/dev/null 2>&1
	rm -rf /usr/src/layerfs-$(VERSION)
	scripts/module-src.sh /usr/src/layerfs-$(VERSION)
	dkms add -m layerfs -v $(VERSION)
	@failed=''; for k in $$(ls /lib/modules); do \
		[ -d /lib/modules/$$k/build ] || continue; \
		dkms install -m layerfs -v $(VERSION) -k $$k || failed="$$failed $$k"; \
	done; dkms status -m layerfs; \
	[ -z "$$failed" ] || { echo "layerfs: DKMS build failed for:$$failed" >&2; exit 1; }

dkms-uninstall:
	-dkms remove -m layerfs -v $(VERSION) --all
	rm -rf /usr/src/layerfs-$(VERSION)

# Debian packages (scripts/build-deb.sh; sources in scripts/debian/).
deb-deps:
	scripts/install-deps.sh --packaging

deb: deb-deps
	scripts/build-deb.sh

# The packaged module source built as DKMS would build it on the target,
# in a temporary DKMS tree, against KVER; the result and the extracted
# packages go to build/installed/ for tests/guest/t-installed.sh.
deb-module:
	scripts/deb-module.sh "$(KVER)"

style:
	scripts/checkpatch.sh $(filter-out %.mod.c,$(wildcard kernel/*.c)) kernel/*.h include/uapi/linux/layerfs.h include/layerfs/*.h

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C tests/tools clean
	$(MAKE) -C tests/bench clean
	$(MAKE) -C tests/fuzz clean
	rm -rf build
