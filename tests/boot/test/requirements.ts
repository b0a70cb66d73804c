import { all, file, requirement, tool, type Requirement } from "@vmforge/test-support";

/** What building the guest image takes: root, debootstrap, extlinux and its MBR, loop devices. */
export function imageBuildRequirement(): Requirement {
  return all(
    requirement(process.getuid?.() === 0, "building the guest image and booting it need root (debootstrap, a loop mount, libvirtd)"),
    tool("debootstrap", "debootstrap"),
    tool("extlinux", "extlinux"),
    file("/usr/lib/syslinux/mbr/mbr.bin", "syslinux's MBR", "syslinux-common"),
    tool("mkfs.ext4", "e2fsprogs"),
    tool("sfdisk", "fdisk"),
    tool("losetup", "mount"),
    file("/dev/loop-control", "loop devices"),
    tool("qemu-img", "qemu-utils"),
  );
}

/** Booting it under QEMU directly. */
export function qemuBootRequirement(): Requirement {
  return all(imageBuildRequirement(), tool("qemu-system-x86_64", "qemu-system-x86"));
}

/** Booting it under a private libvirtd. */
export function libvirtBootRequirement(): Requirement {
  return all(qemuBootRequirement(), tool("libvirtd", "libvirt-daemon libvirt-daemon-driver-qemu"), tool("virsh", "libvirt-clients"), tool("unshare", "util-linux"));
}
