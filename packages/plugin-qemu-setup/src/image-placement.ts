import { basename, dirname, join } from "node:path";

/**
 * Where `qemu-img create` writes a new image before it is complete: beside the target, so the
 * rename stays on one filesystem. The name is fixed, so a run killed mid-create leaves one
 * hidden file that the next run's create simply overwrites; the image itself never exists half-made.
 */
export function temporaryImagePath(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial.tmp`);
}
