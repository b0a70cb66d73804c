import { readFileSync } from "node:fs";

/**
 * The level of the API the kernel offers plugins (the manifest, the stage context, the setup
 * API). It goes up when a plugin written for it would not work with an older kernel; a kernel
 * still runs plugins of every level from MIN_KERNEL_API up to it.
 */
export const KERNEL_API = 1;
/** The oldest plugin API level this kernel still runs. */
export const MIN_KERNEL_API = 1;

/** A manifest without `kernelApi` was written for the first level. */
export function kernelApiOf(manifest: { kernelApi?: number }): number {
  return manifest.kernelApi ?? 1;
}

export function supportsKernelApi(level: number): boolean {
  return Number.isInteger(level) && level >= MIN_KERNEL_API && level <= KERNEL_API;
}

let version: string | undefined;

/** The installed kernel's package version, named when a plugin needs another API level. */
export function kernelVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}
