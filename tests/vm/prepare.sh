#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prepare the VM test guest in WORK (default: $top_builddir/tests/vm/work):
#   WORK/kernel/      Debian's kernel package (the one linux-image-amd64 points
#                     to), unpacked with dpkg-deb and depmod'ed; never installed
#   WORK/initramfs.gz a busybox initramfs that mounts the host's root over 9p
#                     (read-only, tmpfs overlay) and hands over to guest-init.sh
#                     (BlueZ phases) or systemd-pre-init.sh (systemd phase)
#   WORK/kernel-version
# Idempotent: an unpacked kernel of the current version is kept. Needs apt
# lists (apt-get update), busybox-static, cpio, kmod, dpkg.
set -euo pipefail
srcdir=$(cd "$(dirname "$0")" && pwd)
WORK=${1:-${top_builddir:-.}/tests/vm/work}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

need() { command -v "$1" >/dev/null || { echo "prepare: '$1' is missing; install: $2" >&2; exit 77; }; }
need busybox busybox-static
need cpio cpio
need depmod kmod
need dpkg-deb dpkg
[ -x /bin/busybox ] && file_busybox=/bin/busybox || file_busybox=$(command -v busybox)
# A dynamically linked busybox cannot run in the initramfs.
if ldd "$file_busybox" >/dev/null 2>&1; then
	echo "prepare: $file_busybox is dynamically linked; install busybox-static" >&2; exit 77
fi

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$pkg" ]; then
	echo "prepare: apt-cache knows no linux-image-amd64; run apt-get update first" >&2; exit 1
fi
kver=${pkg#linux-image-}
if [ ! -f "$WORK/kernel/boot/vmlinuz-$kver" ] || [ ! -f "$WORK/kernel/lib/modules/$kver/modules.dep" ]; then
	echo "prepare: fetching $pkg"
	rm -rf "$WORK/kernel" "$WORK/deb"
	mkdir -p "$WORK/deb"
	# apt's _apt sandbox user cannot write here: it warns and downloads as root.
	(cd "$WORK/deb" && apt-get download -q "$pkg" 2>&1 | grep -v -i 'sandbox' || true)
	deb=$(ls "$WORK"/deb/*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "prepare: apt-get download $pkg failed (network? apt lists?)" >&2; exit 1; }
	dpkg-deb -x "$deb" "$WORK/kernel.tmp"
	depmod -b "$WORK/kernel.tmp" "$kver"
	mv "$WORK/kernel.tmp" "$WORK/kernel"
	rm -rf "$WORK/deb"
fi
echo "$kver" > "$WORK/kernel-version"

# The stock kernel has virtio-pci, 9p and overlayfs as modules: the initramfs
# carries them (uncompressed in this kernel, so busybox insmod loads them) in
# dependency order.
ir=$WORK/initramfs.d
rm -rf "$ir"
mkdir -p "$ir"/{bin,dev,proc,sys,lower,rw,root,ko}
cp "$file_busybox" "$ir/bin/busybox"
for a in sh mount insmod switch_root mkdir cat echo sleep cp rm; do ln -s busybox "$ir/bin/$a"; done
for m in virtio_pci 9pnet_virtio 9p overlay; do
	modprobe -d "$WORK/kernel" -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" && !seen[$2]++ {print $2}' | while read -r ko; do
	case "$ko" in *.ko) ;; *) echo "prepare: $ko is compressed; busybox insmod cannot load it" >&2; exit 1 ;; esac
	cp "$ko" "$ir/ko/"
	basename "$ko" >> "$ir/ko/order"
done
install -m 0755 "$srcdir/initramfs-init" "$ir/init"
# The systemd phase's static overlay (masks, its target and job unit),
# copied over / only when the command line says vm_seed=1.
"$srcdir/systemd-seed.sh" "$ir/seed" "$srcdir"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initramfs.gz.tmp"
mv "$WORK/initramfs.gz.tmp" "$WORK/initramfs.gz"
rm -rf "$ir"
echo "prepare: kernel $kver, initramfs $(du -k "$WORK/initramfs.gz" | cut -f1) KiB in $WORK"
