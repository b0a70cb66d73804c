import { buildIso, IsoError } from "@vmforge/iso9660";
import { ExitCode, VmforgeError } from "@vmforge/kernel";
import { LinuxErrorCode } from "./errors.js";

export const SEED_VOLUME_ID = "cidata";
/** NoCloud looks for exactly these names at the root of a volume labelled cidata. */
export const SEED_FILE_NAMES = ["meta-data", "user-data", "network-config"] as const;

export interface SeedFiles {
  metaData: string;
  userData: string;
  networkConfig: string;
}

/** The NoCloud seed: ISO 9660 + Rock Ridge + Joliet, same bytes for the same files (SOURCE_DATE_EPOCH). */
export function buildSeedIso(files: SeedFiles, sourceDateEpoch?: number): Uint8Array {
  try {
    return buildIso({
      volumeId: SEED_VOLUME_ID,
      files: [
        { path: "meta-data", data: files.metaData },
        { path: "user-data", data: files.userData },
        { path: "network-config", data: files.networkConfig },
      ],
      ...(sourceDateEpoch === undefined ? {} : { sourceDateEpoch }),
    });
  } catch (error) {
    if (error instanceof IsoError && error.code === "ISO_BAD_SOURCE_DATE_EPOCH") {
      throw new VmforgeError(LinuxErrorCode.seedIso, `Could not build the seed ISO: ${error.message}`, {
        exitCode: ExitCode.usage,
        fix: "Unset SOURCE_DATE_EPOCH or set it to whole seconds since 1970 (e.g. `git log -1 --format=%ct`).",
        cause: error,
      });
    }
    if (error instanceof IsoError) {
      throw new VmforgeError(LinuxErrorCode.seedIso, `Could not build the seed ISO: ${error.message}`, {
        fix: "This is a bug in @vmforge/plugin-linux-setup or @vmforge/iso9660; report it.",
        cause: error,
      });
    }
    throw error;
  }
}
