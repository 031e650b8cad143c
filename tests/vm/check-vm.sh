#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check-vm: prepare the guest (cached in $top_builddir/tests/vm/work),
# boot it twice: the BlueZ phases (protocol, unpaired, daemon; no systemd)
# and the systemd phase (systemd 252 as PID 1, the user manager, Debian's
# bluetooth.service, the project installed with make install). Print the TAP
# and timings. On failure print the guest's logs (job, bluetoothd,
# peripheral, dmesg, console); they stay in $top_builddir/tests/vm/out.
# Exit 77 (skip) only when qemu cannot run at all.
set -uo pipefail
srcdir=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:?run through make check-vm}" "${top_srcdir:?run through make check-vm}"
export top_builddir top_srcdir TEST_PYTHON=${TEST_PYTHON:-/usr/bin/python3}
WORK=$top_builddir/tests/vm/work
OUT=$top_builddir/tests/vm/out
t0=$SECONDS

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "check-vm: SKIP: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"; exit 77
fi
if ! qemu-system-x86_64 -accel help 2>/dev/null | grep -qx tcg; then
	echo "check-vm: SKIP: this qemu has no TCG accelerator"; exit 77
fi
for tool in btvirt bluetoothd:/usr/libexec/bluetooth/bluetoothd hciconfig dbus-daemon; do
	name=${tool%%:*} path=${tool#*:}
	[ "$path" != "$tool" ] && [ -x "$path" ] && continue
	command -v "$name" >/dev/null || { echo "check-vm: FAIL: $name missing (bluez, bluez-test-tools, dbus)"; exit 1; }
done
[ -x "$top_builddir/tests/sim/massager-sim" ] || { echo "check-vm: FAIL: build massager-sim first (make)"; exit 1; }

"$srcdir/prepare.sh" "$WORK"; rc=$?
[ $rc = 0 ] || { echo "check-vm: FAIL: preparing the guest failed ($rc)"; exit 1; }
t1=$SECONDS

rm -rf "$OUT"
mkdir -p "$OUT/systemd"
"$srcdir/run-vm.sh" "$WORK" "$OUT"; rc=$?
t2=$SECONDS
# The systemd phase: its own boot, its results in OUT/systemd.
if [ "${VM_SYSTEMD:-1}" = 1 ]; then
	"$srcdir/run-vm.sh" "$WORK" "$OUT/systemd" systemd; rc_sd=$?
else
	echo "check-vm: systemd phase skipped (VM_SYSTEMD=0)"; rc_sd=0
fi
t3=$SECONDS

[ -f "$OUT/job.log" ] && sed -n 's/^guest: /check-vm: guest: /p' "$OUT/job.log"
for tap in protocol unpaired daemon; do
	[ -f "$OUT/$tap.tap" ] && { echo "check-vm: $tap.tap"; cat "$OUT/$tap.tap"; }
done
[ -f "$OUT/systemd/job.log" ] && sed -n 's/^guest: /check-vm: systemd guest: /p' "$OUT/systemd/job.log"
[ -f "$OUT/systemd/systemd.tap" ] && { echo "check-vm: systemd.tap"; cat "$OUT/systemd/systemd.tap"; }
[ -f "$OUT/systemd/guest-timings.txt" ] && sed 's/^/check-vm: systemd guest uptime: /' "$OUT/systemd/guest-timings.txt"
echo "check-vm: prepare $((t1 - t0)) s, BlueZ phases VM $((t2 - t1)) s, systemd phase VM $((t3 - t2)) s," \
	"total $((t3 - t0)) s"
taps_ok() {
	local t
	for t in protocol unpaired; do grep -q '^1\.\.[1-9]' "$OUT/$t.tap" 2>/dev/null || return 1; done
	grep -q '^1\.\.' "$OUT/daemon.tap" 2>/dev/null || return 1
	if [ "${VM_SYSTEMD:-1}" = 1 ]; then
		grep -q '^1\.\.[1-9]' "$OUT/systemd/systemd.tap" 2>/dev/null || return 1
	fi
	! grep -q '^not ok' "$OUT"/*.tap "$OUT"/systemd/*.tap 2>/dev/null
}
if [ $rc != 0 ] || [ $rc_sd != 0 ] || ! taps_ok; then
	for f in job.log *peripheral-*.log massaged-*.log bluetoothd-*.log btvirt-*.log dbus.log dmesg.log console.log \
		systemd/job.log systemd/pre-init.log systemd/make-install.log systemd/failed-units.txt \
		systemd/journal-massaged.txt systemd/systemd-peripheral.log systemd/console.log; do
		for g in "$OUT"/$f; do
			[ -s "$g" ] || continue
			echo "==================== $g"
			tail -n 200 "$g"
		done
	done
	echo "check-vm: FAIL (exit $rc, systemd phase $rc_sd); the guests' logs are in $OUT"
	exit 1
fi
echo "check-vm: PASS"
