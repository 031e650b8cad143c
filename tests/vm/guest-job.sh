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

# A fresh BlueZ stack per phase: new controllers (a clean kernel state:
# after RemoveDevice of a bonded device the kernel kept it on its accept
# list and discoveries missed it for 10-45 s), no stored bonds, a new
# bluetoothd. Both controllers must have finished HCI init (a BD address)
# before bluetoothd starts; a stuck one means restarting btvirt.
controllers_ready() { [ "$(hciconfig 2>/dev/null | grep 'BD Address' | grep -vc '00:00:00:00:00:00')" -ge 2 ]; }
stack_up() {
	local phase=$1 try
	for try in 1 2 3; do
		btvirt -L -l2 >"$VM_OUT/btvirt-$phase.log" 2>&1 &
		btvirt_pid=$!
		deadline=$((SECONDS + 20))
		until controllers_ready || [ $SECONDS -ge $deadline ]; do sleep 0.1; done
		controllers_ready && break
		say "btvirt try $try: controllers not ready; restarting it"
		kill $btvirt_pid; wait $btvirt_pid 2>/dev/null
	done
	controllers_ready || { say "btvirt never gave two controllers"; hciconfig -a; return 1; }
	local bt_args=(-n)
	[ "${VM_BT_DEBUG:-0}" = 1 ] && bt_args+=(-d)
	/usr/libexec/bluetooth/bluetoothd "${bt_args[@]}" >"$VM_OUT/bluetoothd-$phase.log" 2>&1 &
	bluetoothd_pid=$!
	say "$phase: controllers ready, bluetoothd started"
}
stack_down() {
	kill $bluetoothd_pid $btvirt_pid 2>/dev/null
	wait $bluetoothd_pid $btvirt_pid 2>/dev/null
	local deadline=$((SECONDS + 10))
	while [ -n "$(ls /sys/class/bluetooth 2>/dev/null)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
	rm -rf /var/lib/bluetooth/*
}
[ "${VM_BTMON:-0}" = 1 ] && { stdbuf -oL btmon -T >"$VM_OUT/btmon.txt" 2>&1 & }

# The scripts wait for both adapters on the bus themselves. Phases:
# protocol (test-vm-scenarios.py), unpaired (its unpaired-write scenario on
# a stack that never saw the massager), daemon (test-vm-daemon.py; a plan
# of 0 with SKIP where massaged is not built).
status=0
for phase in protocol unpaired daemon; do
	stack_up $phase || exit 2
	script=test-vm-scenarios.py
	[ $phase = daemon ] && script=test-vm-daemon.py
	say "running the $phase scenarios"
	VM_PHASE=$phase "$TEST_PYTHON" -u "$srcdir/$script" > "$VM_OUT/$phase.tap"
	rc=$?
	say "$phase scenarios done (exit $rc)"
	[ $rc = 0 ] || status=$rc
	stack_down
done
cat "$VM_OUT"/{protocol,unpaired,daemon}.tap
exit $status
