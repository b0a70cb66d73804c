import { closeSync, openSync, readSync, writeSync } from "node:fs";

const SECTOR = 2048;

/**
 * Gives an ISO 9660 image another volume label in every volume descriptor that carries one (the
 * primary in ASCII, a Joliet supplementary in UCS-2): cloud-init's NoCloud looks for a device
 * labelled `cidata` and no longer finds the seed. Returns the labels it replaced.
 */
export function relabelIso(path: string, label: string): string[] {
  const fd = openSync(path, "r+");
  const replaced: string[] = [];
  try {
    for (let sector = 16; sector < 64; sector++) {
      const descriptor = Buffer.alloc(SECTOR);
      if (readSync(fd, descriptor, 0, SECTOR, sector * SECTOR) !== SECTOR) throw new Error(`${path}: ends inside the volume descriptors`);
      if (descriptor.toString("latin1", 1, 6) !== "CD001") throw new Error(`${path}: sector ${sector} is not a volume descriptor`);
      const type = descriptor[0];
      if (type === 255) return replaced;
      // Volume identifier: bytes 40..71 of a primary (1) or supplementary (2) descriptor.
      const field = Buffer.alloc(32);
      if (type === 1) {
        replaced.push(descriptor.toString("latin1", 40, 72).trimEnd());
        field.fill(" ").write(label.toUpperCase(), "latin1");
      } else if (type === 2) {
        replaced.push(ucs2be(descriptor.subarray(40, 72)).trimEnd());
        for (let i = 0; i < 16; i++) field.writeUInt16BE(i < label.length ? label.charCodeAt(i) : 0x20, i * 2);
      } else continue;
      writeSync(fd, field, 0, 32, sector * SECTOR + 40);
    }
    throw new Error(`${path}: no volume descriptor set terminator in the first 64 sectors`);
  } finally {
    closeSync(fd);
  }
}

function ucs2be(bytes: Buffer): string {
  let text = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
  return text;
}
