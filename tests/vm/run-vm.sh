#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot the VM test guest once and run guest-job.sh in it (as root, as PID 1's
# child), then power off. The guest sees the host's whole file system
# read-only at the same paths; only OUT is writable (shared read-write), and
# every result comes back there: job.log, the TAP output, bluetoothd.log,
# dmesg.log, console.log, exit-code.
#
#   run-vm.sh WORK OUT            the BlueZ phases (guest-init.sh, no systemd)
#   run-vm.sh WORK OUT systemd    the systemd phase (systemd as PID 1, systemd-job.sh)
#
# Exit: the job's code; 124 on timeout ($VM_TIMEOUT s, default 280); 125 if
# the guest died without leaving one.
# QEMU runs with TCG: KVM on these machines is a paravirtual nested KVM on
# which the stock kernel does not boot (tests/vm/README.md).
set -uo pipefail
srcdir=$(cd "$(dirname "$0")" && pwd)
WORK=$(cd "${1:?usage: run-vm.sh WORK OUT}" && pwd)
mkdir -p "${2:?usage: run-vm.sh WORK OUT}"
OUT=$(cd "$2" && pwd)
kver=$(cat "$WORK/kernel-version")
phase=${3:-bluez}
rm -f "$OUT"/{exit-code,job.log,console.log,env.sh}

# The kernel command line carries only paths; the rest of the environment
# the job needs goes through a file on the out share.
{
	for v in top_srcdir top_builddir TEST_PYTHON MASSAGED_TEST_SLOWDOWN ${!VM_@}; do
		[ -n "${!v+x}" ] && declare -p "$v" | sed 's/^declare -[a-z-]* /export /'
	done
	echo "export VM_OUT=$OUT"
} > "$OUT/env.sh"

append="console=ttyS0 loglevel=4 panic=-1 mitigations=off random.trust_cpu=on"
append+=" i8042.noaux i8042.nokbd i8042.nopnp"
append+=" vm_out=$OUT vm_modules=$WORK/kernel/lib/modules"
if [ "$phase" = systemd ]; then
	append+=" vm_init=$srcdir/systemd-pre-init.sh vm_seed=1 systemd.unit=massaged-vm.target systemd.show_status=1"
else
	append+=" vm_init=$srcdir/guest-init.sh"
fi

timeout --foreground -k 10 "${VM_TIMEOUT:-280}" \
	qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp "${VM_SMP:-$(nproc)}" -m "${VM_MEM:-1024}" \
	-nodefaults -no-user-config -display none -monitor none -no-reboot \
	-serial "file:$OUT/console.log" \
	-kernel "$WORK/kernel/boot/vmlinuz-$kver" -initrd "$WORK/initramfs.gz" -append "$append" \
	-virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$OUT,mount_tag=out,security_model=none,multidevs=remap" \
	</dev/null
qrc=$?
if [ -f "$OUT/exit-code" ]; then
	exit "$(cat "$OUT/exit-code")"
elif [ $qrc = 124 ]; then
	echo "run-vm: the guest ran out of time (${VM_TIMEOUT:-280} s)"
	exit 124
fi
echo "run-vm: the guest ended without an exit code (qemu: $qrc); console:"
tail -n 40 "$OUT/console.log"
exit 125
