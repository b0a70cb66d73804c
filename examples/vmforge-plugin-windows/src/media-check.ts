import { open } from "node:fs/promises";
import type { Problem } from "@vmforge/kernel";
import type { GuestRequest } from "@vmforge/plugin-qemu-setup/guest";
import { windowsTableSchema } from "./config-schema.js";

/** ECMA-119: the first volume descriptor is at sector 16 (byte 32768); bytes 1-5 read "CD001". */
const VOLUME_DESCRIPTOR = 16 * 2048;
const ISO_MAGIC = "CD001";

/** An installation DVD is large, but not this large: a bigger "ISO" is a wrong path (a disk device, an image of a disk). */
const ISO_LIMIT = 32 * 1024 ** 3;

const MEDIA = [
  { key: "install_iso", what: "the Windows installation ISO", missingCode: "E_WINDOWS_ISO_MISSING" },
  { key: "virtio_iso", what: "the virtio-win driver ISO", missingCode: "E_WINDOWS_VIRTIO_ISO_MISSING" },
] as const;

/**
 * Before any stage: each ISO [windows] names is a regular file holding an ISO 9660 volume
 * descriptor (Windows ISOs are UDF bridge images: they have one). Every problem, located.
 */
export async function mediaProblems(guest: GuestRequest): Promise<Problem[]> {
  const table = guest.table("windows", windowsTableSchema);
  const problems: Problem[] = [];
  for (const medium of MEDIA) {
    const written = table[medium.key];
    const keyPath = ["windows", medium.key];
    const fault = await guest.fileProblem(written, { keyPath, what: medium.what, missingCode: medium.missingCode, maxBytes: ISO_LIMIT });
    if (fault) {
      problems.push(fault);
      continue;
    }
    if (!(await hasIsoMagic(guest.path(written)))) {
      problems.push(
        guest.problem(keyPath, {
          code: "E_WINDOWS_NOT_AN_ISO",
          message: `${medium.what} ${guest.path(written)} is not an ISO 9660 image (no CD001 volume descriptor at sector 16)`,
          expected: "an .iso file (ISO 9660 / UDF bridge, as Microsoft and the virtio-win project publish them)",
          fix: `Check that ${medium.key} names the downloaded .iso itself.`,
        }),
      );
    }
  }
  return problems;
}

async function hasIsoMagic(path: string): Promise<boolean> {
  const file = await open(path, "r");
  try {
    const buffer = Buffer.alloc(ISO_MAGIC.length);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, VOLUME_DESCRIPTOR + 1);
    return bytesRead === buffer.length && buffer.toString("latin1") === ISO_MAGIC;
  } finally {
    await file.close();
  }
}
