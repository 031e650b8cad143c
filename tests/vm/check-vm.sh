#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check-vm: prepare the guest (cached in $top_builddir/tests/vm/work),
# boot it once, run every scenario against real bluetoothd, print the TAP
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
mkdir -p "$OUT"
"$srcdir/run-vm.sh" "$WORK" "$OUT"; rc=$?
t2=$SECONDS

[ -f "$OUT/job.log" ] && sed -n 's/^guest: /check-vm: guest: /p' "$OUT/job.log"
for tap in protocol unpaired daemon; do
	[ -f "$OUT/$tap.tap" ] && { echo "check-vm: $tap.tap"; cat "$OUT/$tap.tap"; }
done
echo "check-vm: prepare $((t1 - t0)) s, VM (boot + scenarios + power-off) $((t2 - t1)) s, total $((t2 - t0)) s"
taps_ok() {
	local t
	for t in protocol unpaired; do grep -q '^1\.\.[1-9]' "$OUT/$t.tap" 2>/dev/null || return 1; done
	grep -q '^1\.\.' "$OUT/daemon.tap" 2>/dev/null || return 1
	! grep -q '^not ok' "$OUT"/*.tap
}
if [ $rc != 0 ] || ! taps_ok; then
	for f in job.log *peripheral-*.log massaged-*.log bluetoothd-*.log btvirt-*.log dbus.log dmesg.log console.log; do
		for g in "$OUT"/$f; do
			[ -s "$g" ] || continue
			echo "==================== $g"
			tail -n 200 "$g"
		done
	done
	echo "check-vm: FAIL (exit $rc); the guest's logs are in $OUT"
	exit 1
fi
echo "check-vm: PASS"
