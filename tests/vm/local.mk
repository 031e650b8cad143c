# End-to-end tests against real bluetoothd 5.66 in a QEMU guest (issue 10):
# `make check-vm` (tests/vm/README.md). Not part of `make check`: it needs
# qemu, btvirt and a download of Debian's kernel package, and takes about a minute.

vm_scripts = tests/vm/check-vm.sh tests/vm/prepare.sh tests/vm/run-vm.sh tests/vm/initramfs-init \
	tests/vm/guest-init.sh tests/vm/guest-job.sh tests/vm/test-vm-scenarios.py tests/vm/test-vm-daemon.py \
	tests/vm/systemd-seed.sh tests/vm/systemd-pre-init.sh tests/vm/systemd-job.sh tests/vm/test-vm-systemd.py \
	tests/vm/sandbox-probe.py
EXTRA_DIST += $(vm_scripts) tests/vm/system-bus.conf tests/vm/README.md

.PHONY: check-vm
# The systemd phase runs `make install` of this tree in the guest (all) and
# seeds an old ledger with tests/daemon/ledger-seed.
check-vm: all tests/sim/massager-sim tests/daemon/ledger-seed
	top_builddir="$(abs_top_builddir)" top_srcdir="$(abs_top_srcdir)" TEST_PYTHON="$(TEST_PYTHON)" \
		$(SHELL) $(top_srcdir)/tests/vm/check-vm.sh

clean-local: clean-vm
.PHONY: clean-vm
clean-vm:
	-rm -rf tests/vm/out
distclean-local: distclean-vm
.PHONY: distclean-vm
distclean-vm:
	-rm -rf tests/vm/work
