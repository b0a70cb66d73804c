import type { VmNic } from "@vmforge/plugin-qemu-setup";
import { qemuId, qemuJson } from "../qemu-arguments.js";

/*
 * libvirt 9.0 cannot forward host ports to a user-mode (slirp) NIC: <portForward> exists only
 * with the passt backend, and Debian 12's libvirt 9.0 refuses `<backend type='passt'/>` when
 * it parses the domain ("Invalid value for attribute 'type' in element 'backend'"), although
 * the schema lists it. So such a NIC goes to QEMU as its own -netdev/-device pair in
 * <qemu:commandline>, the same as on the QEMU command line; `virsh domiflist` does not show it.
 */

export function hasPortForwards(nic: VmNic): boolean {
  return nic.mode === "user" && nic.forwards.length > 0;
}

/** `-netdev user,...,hostfwd=...` and its `-device`, for one user-mode NIC with port forwards. */
export function userNetworkArguments(nic: VmNic): string[] {
  const id = qemuId(nic.id);
  const forwards = nic.forwards.map((forward) => `hostfwd=${forward.protocol}::${forward.hostPort}-:${forward.guestPort}`);
  const device = qemuJson({ driver: nic.model, netdev: id, id: `${id}-dev`, mac: nic.mac });
  return ["-netdev", ["user", `id=${id}`, ...forwards].join(","), "-device", device];
}
