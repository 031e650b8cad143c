#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the VM test guest: brings up a real BlueZ stack (system bus,
# two emulated LE controllers from btvirt, one bluetoothd managing both) and
# runs the scenarios (test-vm-scenarios.py, TAP into $VM_OUT/scenarios.tap).
# hci0 is the central's controller, hci1 the massager's.
set -u
srcdir=$(cd "$(dirname "$0")" && pwd)
: "${VM_OUT:?}" "${TEST_PYTHON:=/usr/bin/python3}"
uptime_s() { cut -d' ' -f1 /proc/uptime; }
say() { echo "guest: $* (uptime $(uptime_s) s)"; }
say "job started"

# One modprobe for everything: btvirt opens AF_ALG sockets per controller
# and SMP needs ECDH; loaded on demand under TCG, each takes seconds while
# the kernel already resets the first controller, which then times out.
modprobe -a hci_vhci af_alg algif_hash algif_skcipher cmac ecb ecdh_generic \
	|| { say "modprobe failed"; exit 2; }
[ -c /dev/vhci ] || { say "no /dev/vhci"; exit 2; }
say "modules loaded"

mkdir -p /run/dbus /var/lib/bluetooth
chmod 700 /var/lib/bluetooth
dbus-daemon --config-file="$srcdir/system-bus.conf" --fork --nopidfile 2>"$VM_OUT/dbus.log" \
	|| { say "dbus-daemon failed"; cat "$VM_OUT/dbus.log"; exit 2; }

# Both controllers must have finished HCI init (a BD address) before
# bluetoothd starts; a stuck one means restarting btvirt.
controllers_ready() { [ "$(hciconfig 2>/dev/null | grep 'BD Address' | grep -vc '00:00:00:00:00:00')" -ge 2 ]; }
for try in 1 2 3; do
	btvirt -L -l2 >"$VM_OUT/btvirt.log" 2>&1 &
	btvirt_pid=$!
	deadline=$((SECONDS + 20))
	until controllers_ready || [ $SECONDS -ge $deadline ]; do sleep 0.1; done
	controllers_ready && break
	say "btvirt try $try: controllers not ready; restarting it"
	kill $btvirt_pid; wait $btvirt_pid 2>/dev/null
done
controllers_ready || { say "btvirt never gave two controllers"; hciconfig -a; exit 2; }
say "controllers ready"

bt_args=(-n)
[ "${VM_BT_DEBUG:-0}" = 1 ] && bt_args+=(-d)
/usr/libexec/bluetooth/bluetoothd "${bt_args[@]}" >"$VM_OUT/bluetoothd.log" 2>&1 &
export VM_BLUETOOTHD_PID=$!
[ "${VM_BTMON:-0}" = 1 ] && { stdbuf -oL btmon -T >"$VM_OUT/btmon.txt" 2>&1 & }

# The scenarios wait for both adapters on the bus themselves.
say "running the scenarios"
"$TEST_PYTHON" -u "$srcdir/test-vm-scenarios.py" > "$VM_OUT/scenarios.tap"
rc=$?
say "scenarios done (exit $rc)"
# massaged itself, in the same boot (a plan of 0 with SKIP where it is not built).
"$TEST_PYTHON" -u "$srcdir/test-vm-daemon.py" > "$VM_OUT/daemon.tap"
drc=$?
say "massaged scenarios done (exit $drc)"
cat "$VM_OUT/scenarios.tap" "$VM_OUT/daemon.tap"
kill "$VM_BLUETOOTHD_PID" $btvirt_pid 2>/dev/null
[ $rc = 0 ] && exit $drc
exit $rc
