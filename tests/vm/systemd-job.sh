#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ExecStart of massaged-vm-job.service (root) in the systemd phase: waits for
# the boot to finish, brings up BlueZ as Debian runs it (btvirt's two LE
# controllers as a transient unit, then Debian's own bluetooth.service with
# its stock unit and D-Bus policy), the peripheral sim on hci1, runs
# test-vm-systemd.py (TAP into $VM_OUT/systemd.tap), collects the journal,
# powers off.
source /etc/massaged-vm.env
srcdir=$(cd "$(dirname "$0")" && pwd)
exec >> "$VM_OUT/job.log" 2>&1
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say() { echo "guest: $* (uptime $(uptime_s) s)"; }
say "job started"
state=$(systemctl is-system-running --wait)
say "boot finished: $state"
echo "boot-finished $(uptime_s)" >> "$VM_OUT/guest-timings.txt"
systemctl --failed --no-legend > "$VM_OUT/failed-units.txt" 2>&1

controllers_ready() { [ "$(hciconfig 2>/dev/null | grep 'BD Address' | grep -vc '00:00:00:00:00:00')" -ge 2 ]; }
adapters_on_bus() { [ "$(busctl --system tree org.bluez 2>/dev/null | grep -c '/org/bluez/hci[01]$')" = 2 ]; }
wait_for() { # SECONDS COMMAND...: poll COMMAND until it succeeds or the deadline passes
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do [ $SECONDS -ge $deadline ] && return 1; sleep 0.1; done
}
bluez_up() {
	local try
	# One modprobe for all: loaded on demand under TCG they made the first
	# controller's reset time out (tests/vm/README.md).
	modprobe -a hci_vhci af_alg algif_hash algif_skcipher cmac ecb ecdh_generic || return 1
	for try in 1 2 3; do
		systemd-run --quiet --unit=btvirt -p StandardOutput=file:"$VM_OUT/btvirt-systemd.log" btvirt -L -l2
		wait_for 20 controllers_ready && break
		say "btvirt try $try: controllers not ready; restarting it"
		systemctl stop btvirt.service; systemctl reset-failed btvirt.service 2>/dev/null
	done
	controllers_ready || return 1
	systemctl start bluetooth.service || return 1
	wait_for 20 adapters_on_bus
}
status=0
if bluez_up; then
	say "BlueZ up: Debian's bluetooth.service, hci0 and hci1"
	echo "bluez-up $(uptime_s)" >> "$VM_OUT/guest-timings.txt"
	systemd-run --quiet --unit=massager-sim -p StandardOutput=file:"$VM_OUT/systemd-peripheral.log" \
		"$top_builddir/tests/sim/massager-sim" --peripheral --adapter hci1 --verbose
	"$TEST_PYTHON" -u "$srcdir/test-vm-systemd.py" > "$VM_OUT/systemd.tap"
	status=$?
else
	say "BlueZ did not come up"; hciconfig -a; systemctl status --no-pager bluetooth.service
	status=2
fi
say "scenarios done (exit $status)"
echo "scenarios-done $(uptime_s)" >> "$VM_OUT/guest-timings.txt"
journalctl -b --no-pager -o short-monotonic > "$VM_OUT/journal.txt" 2>&1
journalctl -b --no-pager -o short-monotonic _SYSTEMD_USER_UNIT=massaged.service + USER_UNIT=massaged.service \
	> "$VM_OUT/journal-massaged.txt" 2>&1
dmesg > "$VM_OUT/dmesg.log" 2>&1
echo "$status" > "$VM_OUT/exit-code"
sync
# (SuccessAction=poweroff-force did not end the guest; this does.)
systemctl poweroff --force --force
