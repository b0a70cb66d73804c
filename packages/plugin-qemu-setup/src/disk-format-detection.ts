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
}

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);
// O_NONBLOCK: a FIFO swapped in after the stat() must not block the open (and is refused below).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Looks at a user's image without trusting its name: the first four bytes decide. Only a
 * regular file or a block device is opened; a FIFO, a socket or a character device never is.
 */
export async function inspectImage(path: string): Promise<ImageFacts> {
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
      return { exists: true, format: bytesRead === 4 && head.equals(QCOW2_MAGIC) ? "qcow2" : "raw", isFileOrDevice };
    } finally {
      await handle.close();
    }
  } catch {
    return { exists: true, format: null, isFileOrDevice };
  }
}
