#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 of the VM test guest (after the initramfs): the usual pseudo file
# systems, the job (guest-job.sh) with its output in $VM_OUT/job.log, the
# kernel log, the exit code, power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
# /tmp stays the overlay's (writable): a tmpfs there would hide a build tree
# or out share under the host's /tmp.
for arg in $(cat /proc/cmdline); do
	case "$arg" in vm_out=*) VM_OUT="${arg#vm_out=}" ;; esac
done
source "$VM_OUT/env.sh"
hostname massaged-vm
ip link set lo up 2>/dev/null
cd "$VM_OUT" || exit 1
bash "$(dirname "$0")/guest-job.sh" > "$VM_OUT/job.log" 2>&1
rc=$?
dmesg > "$VM_OUT/dmesg.log" 2>&1
echo "$rc" > "$VM_OUT/exit-code"
sync
echo o > /proc/sysrq-trigger
sleep 60
