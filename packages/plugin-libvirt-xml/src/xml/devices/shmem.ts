import type { VmDefinition } from "@vmforge/plugin-qemu-setup";
import { element, textElement, type XmlElement } from "../node.js";
import type { DomainNotes } from "../notes.js";
import { qemuJson } from "../qemu-arguments.js";

type LookingGlass = NonNullable<VmDefinition["lookingGlass"]>;

/**
 * Looking Glass's IVSHMEM device. On /dev/shm: libvirt's `<shmem name='looking-glass'>`, which
 * libvirt backs with /dev/shm/looking-glass. On the kvmfr device libvirt has no element: the
 * memory object and the device go in `<qemu:commandline>` (as Looking Glass's docs show).
 */
export function lookingGlassDevices(lookingGlass: LookingGlass, notes: DomainNotes): { shmem: XmlElement[]; qemuArguments: string[] } {
  if (lookingGlass.backing === "shm") {
    return {
      shmem: [element({ name: "looking-glass" }, { model: element({ type: "ivshmem-plain" }), size: textElement(lookingGlass.sizeMib, { unit: "M" }) })],
      qemuArguments: [],
    };
  }
  notes.add(`Looking Glass on ${lookingGlass.path} (kvmfr) is given to QEMU in <qemu:commandline>; libvirt needs access to the device (a udev rule, and the path in cgroup_device_acl of /etc/libvirt/qemu.conf).`);
  return {
    shmem: [],
    qemuArguments: [
      "-object",
      qemuJson({ "qom-type": "memory-backend-file", id: "looking-glass", "mem-path": lookingGlass.path, size: lookingGlass.sizeMib * 1024 * 1024, share: true }),
      "-device",
      qemuJson({ driver: "ivshmem-plain", id: "looking-glass-dev", memdev: "looking-glass" }),
    ],
  };
}
