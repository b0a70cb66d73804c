import type { UserVmRequest, VmDefinition, VmDisk } from "@vmforge/plugin-qemu-setup";
import type { KubevirtTable } from "../config-schema.js";
import type { Findings } from "./findings.js";
import { binaryQuantity } from "./quantity.js";

export interface DiskParts {
  disks: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  dataVolumeTemplates: Record<string, unknown>[];
}

/** KubeVirt's disk buses; NVMe has none (it becomes virtio, with a warning). */
const BUS: Readonly<Record<VmDisk["bus"], "virtio" | "sata" | "scsi">> = { virtio: "virtio", sata: "sata", scsi: "scsi", nvme: "virtio" };

/** The name vmforge gives a disk's DataVolume or PersistentVolumeClaim when [kubevirt.claims] does not: `<vm>-<disk id>`. */
export function derivedClaimName(vmName: string, disk: VmDisk): string {
  return `${vmName}-${disk.id}`;
}

/**
 * Each disk as a KubeVirt disk and volume:
 *   [kubevirt.claims] names a claim      persistentVolumeClaim (that claim, as it is)
 *   image = a catalogue name or URL      DataVolume importing the URL (source.http.url), sized as the disk
 *   a new empty disk (size only)         DataVolume with a blank image of that size
 *   an existing image or a local base    persistentVolumeClaim <vm>-<disk id>, to fill with virtctl image-upload
 */
export function diskParts(definition: VmDefinition, request: UserVmRequest, table: KubevirtTable, findings: Findings): DiskParts {
  const parts: DiskParts = { disks: [], volumes: [], dataVolumeTemplates: [] };
  for (const disk of definition.disks) {
    const written = request.disk[disk.index];
    if (disk.bus === "nvme") {
      findings.warn(["disk", disk.index, "bus"], "KubeVirt has no NVMe disk bus; the disk is virtio", 'Set bus = "virtio" (or "sata") to say so.');
    }
    for (const key of ["sha256", "sha512", "checksums"] as const) {
      if (written?.[key] !== undefined) findings.warn(["disk", disk.index, key], "CDI's HTTP import has no checksum to verify the image against; the DataVolume imports the URL unchecked");
    }
    const target: Record<string, unknown> = { bus: BUS[disk.bus], ...(disk.readonly ? { readonly: true } : {}) };
    parts.disks.push({ name: disk.id, disk: target, ...(disk.bootIndex !== null ? { bootOrder: disk.bootIndex } : {}), serial: disk.serial });

    const claim = table.claims[disk.id];
    if (claim !== undefined) {
      parts.volumes.push({ name: disk.id, persistentVolumeClaim: { claimName: claim, ...(disk.readonly ? { readOnly: true } : {}) } });
      if (disk.image) findings.note(`${disk.id}: the claim ${claim} ([kubevirt.claims]) is used as it is; ${disk.image.url} is not imported.`);
      continue;
    }
    const name = derivedClaimName(definition.name, disk);
    const storage = {
      ...(disk.sizeBytes !== null ? { resources: { requests: { storage: binaryQuantity(disk.sizeBytes) } } } : {}),
      ...(table.storage_class !== undefined ? { storageClassName: table.storage_class } : {}),
    };
    if (disk.image) {
      parts.dataVolumeTemplates.push({ metadata: { name }, spec: { source: { http: { url: disk.image.url } }, storage } });
      parts.volumes.push({ name: disk.id, dataVolume: { name } });
      if (disk.sizeBytes === null) findings.note(`${disk.id}: no size in the VM description; CDI sizes the DataVolume ${name} from the image.`);
    } else if (disk.source === "create") {
      parts.dataVolumeTemplates.push({ metadata: { name }, spec: { source: { blank: {} }, storage } });
      parts.volumes.push({ name: disk.id, dataVolume: { name } });
    } else {
      const local = disk.source === "backing" ? disk.backing!.path : disk.path;
      parts.volumes.push({ name: disk.id, persistentVolumeClaim: { claimName: name, ...(disk.readonly ? { readOnly: true } : {}) } });
      findings.note(`${disk.id}: the claim ${name} must hold the image: virtctl image-upload pvc ${name} --image-path=${local}${disk.sizeBytes !== null ? ` --size=${binaryQuantity(disk.sizeBytes)}` : ""} (or name an existing claim in [kubevirt.claims] ${disk.id} = "...").`);
    }
  }
  request.cdrom.forEach((cdrom, index) => {
    findings.warn(["cdrom", index, "path"], `a file on this host (${cdrom.path}) cannot be attached in KubeVirt; the CD-ROM is left out`, "Upload the ISO into a claim (virtctl image-upload) and add it to the YAML as a cdrom disk.");
  });
  return parts;
}
