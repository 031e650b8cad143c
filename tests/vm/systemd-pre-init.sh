#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 of the systemd phase right after the initramfs, before systemd. The
# guest's / is the host's root (9p, read-only) under a tmpfs overlay, so
# what is written here lands in the overlay only. This script
#   - gives the guest its own identity (machine-id, hostname),
#   - creates the unprivileged test user with linger (logind then starts
#     user@UID.service at boot, as on a real system),
#   - runs `make install` of the build tree into the guest: the unit, the
#     activation file, the daemon, the programs, the journal catalog land
#     where the system's tools say, exactly as for a user (no build paths in
#     the unit), then `journalctl --update-catalog` as doc/packaging.md says,
#   - gives the user what the scenarios start from: a massaged.conf with a
#     short idle timeout and a ledger the XDG fallback wrote before (in
#     ~/.local/state/massaged, with a past session), which massaged must
#     move into systemd 252's state directory (doc/packaging.md),
#   - allows the peripheral sim (root) its name on the system bus,
# then execs systemd. Shell builtins where possible: under TCG every exec
# of a host binary over 9p costs ~0.1 s.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
mount -t proc proc /proc
read -r -a cmdline < /proc/cmdline
for arg in "${cmdline[@]}"; do
	case "$arg" in vm_out=*) VM_OUT="${arg#vm_out=}" ;; esac
done
source "$VM_OUT/env.sh"
srcdir=$(cd "$(dirname "$0")" && pwd)
uptime_s() { local u; read -r u _ < /proc/uptime; echo "$u"; }
log() { echo "pre-init: [$(uptime_s)] $*" >> "$VM_OUT/pre-init.log"; }
: > "$VM_OUT/pre-init.log"
log start

user=tester uid=2000 home=/home/tester
# The job's environment (massaged-vm-job.service reads it).
{
	for v in top_srcdir top_builddir TEST_PYTHON VM_OUT ${!VM_@}; do
		[ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'export VM_USER=%s VM_UID=%s\n' "$user" "$uid"
} > /etc/massaged-vm.env

read -r uuid < /proc/sys/kernel/random/uuid
echo "${uuid//-/}" > /etc/machine-id
echo massaged-vm > /etc/hostname

echo "$user:x:$uid:$uid:massaged VM test user:$home:/bin/bash" >> /etc/passwd
echo "$user:x:$uid:" >> /etc/group
echo "$user:!:19000:0:99999:7:::" >> /etc/shadow
mkdir -p "$home"
: > "/var/lib/systemd/linger/$user"

# make install, as a user's `sudo make install` would (prefix /usr/local).
t0=$(uptime_s)
if make -C "$top_builddir" install > "$VM_OUT/make-install.log" 2>&1; then
	echo "make-install ok $(uptime_s) $t0" > "$VM_OUT/make-install.result"
else
	echo "make-install failed $(uptime_s) $t0" > "$VM_OUT/make-install.result"
fi
log "make install done"
# As doc/packaging.md tells whoever installs by hand: no dpkg trigger fires
# for /usr/local, so index the catalog make install put in
# /usr/local/lib/systemd/catalog (read by journalctl) for `journalctl -x`.
journalctl --update-catalog >> "$VM_OUT/make-install.log" 2>&1 || log "journalctl --update-catalog failed"
log "journalctl --update-catalog done"

# The sandbox probe: the installed unit with ExecStart= replaced by the probe
# (outside /tmp: PrivateTmp= hides it), every other directive as installed.
unit=/usr/lib/systemd/user/massaged.service
install -D -m 0755 "$srcdir/sandbox-probe.py" /usr/local/libexec/massaged-vm-probe.py
if [ -f "$unit" ]; then
	sed -e 's|^Description=.*|Description=massaged sandbox probe (the installed unit, ExecStart= replaced)|' \
		-e 's|^Type=.*|Type=oneshot|' -e '/^BusName=/d' -e '/^Restart/d' \
		-e "s|^ExecStart=.*|ExecStart=$TEST_PYTHON /usr/local/libexec/massaged-vm-probe.py|" \
		-e 's|^\[Service\]|[Service]\nStandardOutput=truncate:%t/massaged-probe.json\nStandardError=journal|' \
		"$unit" > /etc/systemd/user/massaged-probe.service
	# The directives the installed unit leaves out (doc/packaging.md), put
	# back: they must change nothing a user manager can do.
	sed -e 's|%t/massaged-probe.json|%t/massaged-probe-dropped.json|' \
		-e 's|^\[Service\]|[Service]\nProtectProc=invisible\nProcSubset=pid\nIPAddressDeny=any\nDevicePolicy=closed|' \
		/etc/systemd/user/massaged-probe.service > /etc/systemd/user/massaged-probe-dropped.service
fi

# The user's files: a short idle timeout, and the ledger an earlier massaged
# (run by hand, or before it read $STATE_DIRECTORY) wrote in
# ~/.local/state/massaged, with one session two days ago.
mkdir -p "$home/.config/massaged" "$home/.local/state/massaged"
printf '[Daemon]\nidle_timeout=%s\n' "${VM_IDLE_TIMEOUT:-10s}" > "$home/.config/massaged/massaged.conf"
old=$home/.local/state/massaged/usage.db
"$top_builddir/tests/daemon/ledger-seed" "$old" 2880:10 >> "$VM_OUT/pre-init.log" 2>&1
chmod 700 "$home/.config/massaged" "$home/.local/state/massaged"
chown -R "$uid:$uid" "$home"

cat > /etc/dbus-1/system.d/massaged-vm-sim.conf <<'EOT'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- test only: the peripheral sim (root) owns org.massaged1.Sim -->
<busconfig>
  <policy user="root"><allow own="org.massaged1.Sim"/><allow send_destination="org.massaged1.Sim"/></policy>
</busconfig>
EOT
echo "outside the sandbox" > /tmp/massaged-vm-marker
log "exec systemd"
echo "pre-init-done $(uptime_s)" > "$VM_OUT/guest-timings.txt"
umount /proc
exec /lib/systemd/systemd
