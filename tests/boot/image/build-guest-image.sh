#!/usr/bin/env bash
# Builds the end-to-end test's guest: a minimal Debian 12 with cloud-init (NoCloud only), booted
# by extlinux from one MBR partition, its kernel and cloud-init talking on the serial console.
#
#   build-guest-image.sh OUT.qcow2
#
# Run as root (debootstrap, a loop mount for extlinux). Its work folder sits beside OUT and is
# removed on any exit; OUT is written only when everything else succeeded. The test caches the
# result under a hash of this file's text (tests/boot/test/guest-image.ts): change the recipe
# here, and the next run builds a new image.
set -euo pipefail
# Everything is in main, parsed whole before it runs: editing this file during a build is safe.
main() {
out=${1:?usage: build-guest-image.sh OUT.qcow2}
suite=bookworm
mirror=${VMFORGE_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# python3-cffi-backend: cloud-init needs it (through python3-cryptography) and debootstrap does
# not resolve it by itself.
packages=linux-image-amd64,cloud-init,python3-cffi-backend,systemd-sysv,udev,kmod,ifupdown,isc-dhcp-client,iproute2,dbus,e2fsprogs
disk_mib=3072          # the disk the guest sees; sparse, and the qcow2 holds only what is used
part_start_sectors=2048
label=vmforge-root

[ "$(id -u)" = 0 ] || { echo "build-guest-image.sh: run as root (debootstrap, loop mount)" >&2; exit 2; }
for tool in debootstrap extlinux mkfs.ext4 sfdisk losetup qemu-img; do
  command -v "$tool" >/dev/null || { echo "build-guest-image.sh: $tool is not installed" >&2; exit 2; }
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || { echo "build-guest-image.sh: no $mbr (Debian: syslinux-common)" >&2; exit 2; }

work=$(mktemp -d "$(dirname "$out")/.guest-build-XXXXXX")
root=$work/root
mnt=$work/mnt
loop=
cleanup() {
  set +e
  trap '' INT TERM   # a second signal must not cut the clean-up short
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  [ -n "$loop" ] && losetup -d "$loop"
  for fs in dev/pts dev proc sys; do mountpoint -q "$root/$fs" 2>/dev/null && umount -l "$root/$fs"; done
  # Never rm -rf through a mount (debootstrap may bind the host's /dev in a container).
  if grep -q " $work/" /proc/self/mountinfo; then
    echo "build-guest-image.sh: $work still has mounts; left in place" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '[guest-image %4ss] %s\n' "$SECONDS" "$*"; }

step "debootstrap $suite (minbase + $packages)"
debootstrap --variant=minbase --include="$packages" ${VMFORGE_TEST_DEBOOTSTRAP_CACHE:+--cache-dir="$VMFORGE_TEST_DEBOOTSTRAP_CACHE"} "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

step "configure"
uuid=$(cat /proc/sys/kernel/random/uuid)
# Empty: systemd makes a new one on the first boot, so every VM from this image differs.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
echo debian >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
rm -f "$root/etc/resolv.conf"
printf 'UUID=%s\t/\text4\terrors=remount-ro\t0\t1\n' "$uuid" >"$root/etc/fstab"
cat >"$root/etc/network/interfaces" <<'ENI'
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback
ENI
mkdir -p "$root/etc/network/interfaces.d"
# The seed ISO only; without one (or with a broken one) cloud-init says DataSourceNone.
# No sshd nor locales in this image: no host keys to make, no locale to generate (both would
# only log warnings).
cat >"$root/etc/cloud/cloud.cfg.d/90-vmforge-test.cfg" <<'CFG'
datasource_list: [NoCloud, None]
ssh_genkeytypes: []
locale: false
CFG
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/tmp/*

kernel=$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -n 1)
initrd=initrd.img-${kernel#vmlinuz-}
[ -f "$root/boot/$initrd" ] || { echo "build-guest-image.sh: no /boot/$initrd in the guest" >&2; exit 1; }
mkdir -p "$root/boot/extlinux"
cat >"$root/boot/extlinux/extlinux.conf" <<CONF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  LINUX /boot/$kernel
  INITRD /boot/$initrd
  APPEND root=UUID=$uuid ro console=tty0 console=ttyS0,115200n8
CONF

step "mkfs.ext4 -d ($(du -sm "$root" | cut -f1) MiB of files)"
part=$work/part.img
part_mib=$((disk_mib - 1))
truncate -s "${part_mib}M" "$part"
mkfs.ext4 -q -F -L "$label" -U "$uuid" -d "$root" "$part"

step "extlinux"
mkdir -p "$mnt"
loop=$(losetup -f --show "$part")
mount "$loop" "$mnt"
extlinux --install "$mnt/boot/extlinux" >"$work/extlinux.log" 2>&1 || { cat "$work/extlinux.log" >&2; exit 1; }
umount "$mnt"
losetup -d "$loop"
loop=
# extlinux saw a bare file system (offset 0); the boot sector's BPB hidden-sectors field must say
# where the partition starts on the disk for ldlinux to find itself.
printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((part_start_sectors & 255)) $((part_start_sectors >> 8 & 255)) 0 0)" \
  | dd of="$part" bs=1 seek=28 conv=notrunc status=none

step "disk: MBR, one bootable partition"
disk=$work/disk.raw
truncate -s "${disk_mib}M" "$disk"
printf 'label: dos\nstart=%s, type=83, bootable\n' "$part_start_sectors" | sfdisk -q "$disk"
dd if="$mbr" of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$part" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$part"

# Not compressed (-c): 728 MiB instead of 256 MiB, but -c takes 40 s more here, once per
# recipe, and the download from 127.0.0.1 and its checksum cost only seconds either way.
step "qemu-img convert -O qcow2"
qemu-img convert -f raw -O qcow2 "$disk" "$work/guest.qcow2"
mv "$work/guest.qcow2" "$out"
step "done: $out ($(du -m "$out" | cut -f1) MiB)"
}

main "$@"
