#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds SEED, the static part of the systemd phase's overlay, copied over
# the guest's / by the initramfs (vm_seed=1) before systemd starts:
#   - masks (units and generators) for what cannot work in the guest or only
#     costs boot time under TCG (each exec from 9p costs ~0.1 s),
#   - massaged-vm.target (the boot target) and massaged-vm-job.service,
#   - a volatile journal, an empty tmpfiles.d/tmp.conf.
#   systemd-seed.sh SEED SRCDIR
set -euo pipefail
seed=${1:?usage: systemd-seed.sh SEED SRCDIR}
srcdir=${2:?}
rm -rf "$seed"
mkdir -p "$seed"/etc/systemd/{system,user,system-generators,user-generators,journald.conf.d} \
	"$seed"/etc/tmpfiles.d "$seed"/var/lib/systemd/linger

# The guest's /tmp is the host's (read-only lower layer): Debian's
# tmpfiles.d/tmp.conf ("D /tmp") would hide a build tree there and took 17 s.
ln -s /dev/null "$seed/etc/tmpfiles.d/tmp.conf"
printf '[Journal]\nStorage=volatile\nForwardToConsole=no\n' > "$seed/etc/systemd/journald.conf.d/massaged-vm.conf"

for g in postgresql-generator systemd-cryptsetup-generator systemd-fstab-generator \
	systemd-getty-generator systemd-gpt-auto-generator systemd-hibernate-resume-generator \
	systemd-integritysetup-generator systemd-rc-local-generator systemd-run-generator \
	systemd-system-update-generator systemd-sysv-generator systemd-veritysetup-generator; do
	ln -s /dev/null "$seed/etc/systemd/system-generators/$g"
done
ln -s /dev/null "$seed/etc/systemd/user-generators/systemd-xdg-autostart-generator"

# The guest boots massaged-vm.target, not multi-user.target: nothing the host
# enables there starts. udev is masked: devtmpfs is enough and coldplug is slow.
masks=(
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer
	fstrim.timer man-db.timer systemd-tmpfiles-clean.timer
	systemd-timesyncd.service systemd-pstore.service systemd-binfmt.service
	proc-sys-fs-binfmt_misc.automount dev-hugepages.mount sys-kernel-debug.mount
	sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount
	systemd-remount-fs.service systemd-firstboot.service systemd-repart.service
	systemd-machine-id-commit.service systemd-hwdb-update.service ldconfig.service
	systemd-journal-catalog-update.service systemd-update-done.service
	systemd-pcrphase.service systemd-pcrphase-sysinit.service
	getty@tty1.service serial-getty@ttyS0.service getty.target console-getty.service
	systemd-udevd.service systemd-udev-trigger.service systemd-udev-settle.service
	systemd-udevd-control.socket systemd-udevd-kernel.socket
)
for u in "${masks[@]}"; do ln -s /dev/null "$seed/etc/systemd/system/$u"; done

cat > "$seed/etc/systemd/system/massaged-vm.target" <<EOT
[Unit]
Description=massaged VM test target
Requires=basic.target
After=basic.target
Wants=dbus.service systemd-logind.service systemd-user-sessions.service massaged-vm-job.service
After=dbus.service systemd-logind.service systemd-user-sessions.service
AllowIsolate=yes
EOT
# DefaultDependencies=no: the target would otherwise order itself after the
# job it wants; the job waits for the boot to finish itself.
cat > "$seed/etc/systemd/system/massaged-vm-job.service" <<EOT
[Unit]
Description=massaged VM test job (systemd phase)
DefaultDependencies=no
After=basic.target
[Service]
Type=simple
ExecStart=/bin/bash $srcdir/systemd-job.sh
StandardOutput=journal
FailureAction=poweroff-immediate
EOT
