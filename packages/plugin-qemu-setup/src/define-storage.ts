import { join } from "node:path";
import type { UserVmRequest, VmController, VmDisk } from "./contract.js";
import { diskSerial } from "./derive-ids.js";
import type { HostFit } from "./working-keys.js";

/** Disks with their final paths, formats, serials and boot order, and the controllers they need. */
export function defineStorage(request: UserVmRequest, fit: HostFit, runDir: string): { disks: VmDisk[]; controllers: VmController[] } {
  const anyBootOrder = request.disk.some((disk) => disk.boot_order !== undefined);
  const disks = request.disk.map((disk, index): VmDisk => {
    const facts = fit.disks[index];
    const source: VmDisk["source"] = disk.backing !== undefined || disk.image !== undefined ? "backing" : disk.size !== undefined ? "create" : "existing";
    const format = disk.format ?? (source === "existing" ? (facts?.detectedFormat ?? "raw") : "qcow2");
    return {
      id: `disk${index}`,
      index,
      path: facts?.path ?? join(runDir, `disk${index}.${format}`),
      format,
      bus: disk.bus,
      sizeBytes: disk.size ?? null,
      serial: disk.serial ?? diskSerial(request.vm.name, index),
      // Without any boot_order, disks boot in the order they are listed.
      bootIndex: anyBootOrder ? (disk.boot_order ?? null) : index + 1,
      source,
      // A downloaded image is qcow2 unless the request says (or the cached file shows) otherwise.
      backing: facts?.backingPath ? { path: facts.backingPath, format: disk.backing_format ?? facts.backingFormat ?? (facts.image ? "qcow2" : "raw") } : null,
      ...(facts?.image ? { image: imageRecord(facts.image) } : {}),
      readonly: disk.readonly,
      discard: disk.discard,
    };
  });
  const controllers: VmController[] = [];
  if (disks.some((disk) => disk.bus === "scsi")) controllers.push({ id: "scsi0", type: "scsi", model: "virtio-scsi-pci", builtin: false });
  return { disks, controllers };
}

function imageRecord({ cached: _cached, ...image }: NonNullable<HostFit["disks"][number]["image"]>): NonNullable<VmDisk["image"]> {
  return image;
}
