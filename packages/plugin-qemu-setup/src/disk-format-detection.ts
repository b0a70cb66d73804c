import { open, stat } from "node:fs/promises";

export interface ImageFacts {
  exists: boolean;
  /** qcow2 when the file starts with QFI\xfb, raw otherwise; null when missing or unreadable. */
  format: "qcow2" | "raw" | null;
  isFileOrDevice: boolean;
}

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/** Looks at a user's image without trusting its name: the first four bytes decide. */
export async function inspectImage(path: string): Promise<ImageFacts> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return { exists: false, format: null, isFileOrDevice: false };
  }
  const isFileOrDevice = info.isFile() || info.isBlockDevice();
  if (!isFileOrDevice) return { exists: true, format: null, isFileOrDevice };
  try {
    const handle = await open(path, "r");
    try {
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
