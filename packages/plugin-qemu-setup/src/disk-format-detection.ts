import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import { describeFileType } from "@vmforge/kernel";

export interface ImageFacts {
  exists: boolean;
  /** qcow2 when the file starts with QFI\xfb, raw otherwise; null when missing or unreadable. */
  format: "qcow2" | "raw" | null;
  isFileOrDevice: boolean;
  /** What is there when it is neither a regular file nor a block device: "a named pipe (FIFO)". */
  kind?: string;
  /** Asked for with `isoSignature`: a regular file with ISO 9660's "CD001" where a CD reader looks. */
  iso9660?: boolean;
}

/** Where ISO 9660 puts its first volume descriptor's "CD001" (sector 16, byte 1). */
const ISO_MAGIC_OFFSET = 16 * 2048 + 1;

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);
// O_NONBLOCK: a FIFO swapped in after the stat() must not block the open (and is refused below).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Looks at a user's image without trusting its name: the first four bytes decide. Only a
 * regular file or a block device is opened; a FIFO, a socket or a character device never is.
 */
export async function inspectImage(path: string, options: { isoSignature?: boolean } = {}): Promise<ImageFacts> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return { exists: false, format: null, isFileOrDevice: false };
  }
  const isFileOrDevice = info.isFile() || info.isBlockDevice();
  if (!isFileOrDevice) return { exists: true, format: null, isFileOrDevice, kind: describeFileType(info) };
  try {
    const handle = await open(path, OPEN_FLAGS);
    try {
      const opened = await handle.stat();
      if (!(opened.isFile() || opened.isBlockDevice()) || opened.ino !== info.ino || opened.dev !== info.dev) return { exists: true, format: null, isFileOrDevice: false, kind: describeFileType(opened) };
      const head = Buffer.alloc(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      const facts: ImageFacts = { exists: true, format: bytesRead === 4 && head.equals(QCOW2_MAGIC) ? "qcow2" : "raw", isFileOrDevice };
      if (options.isoSignature && opened.isFile()) {
        const magic = Buffer.alloc(5);
        const read = await handle.read(magic, 0, 5, ISO_MAGIC_OFFSET);
        facts.iso9660 = read.bytesRead === 5 && magic.toString("latin1") === "CD001";
      }
      return facts;
    } finally {
      await handle.close();
    }
  } catch {
    return { exists: true, format: null, isFileOrDevice };
  }
}
