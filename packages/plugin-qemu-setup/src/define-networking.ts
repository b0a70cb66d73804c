import type { UserVmRequest, VmNic } from "./contract.js";
import { macFromName } from "./derive-ids.js";
import { normalizeForward } from "./port-forward.js";

/** NICs with their MAC (derived from the VM name when none is given) and backend. */
export function defineNetworking(request: UserVmRequest): { nics: VmNic[] } {
  return {
    nics: request.network.map((nic, index) => ({
      id: `net${index}`,
      index,
      mode: nic.mode,
      bridge: nic.bridge ?? null,
      tap: nic.tap ?? null,
      device: nic.device ?? null,
      mac: nic.mac ?? macFromName(request.vm.name, index),
      macSource: nic.mac ? "given" : "derived",
      model: nic.model === "virtio" ? "virtio-net-pci" : "e1000e",
      forwards: nic.forward.map((rule) => {
        const [protocol, hostPort, guestPort] = normalizeForward(rule);
        return { protocol, hostPort: Number(hostPort), guestPort: Number(guestPort) };
      }),
    })),
  };
}
