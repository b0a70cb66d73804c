import { IsoError } from "./errors.js";
import type { InterchangeLevel } from "./names.js";
import { resolveSourceDateEpoch } from "./timestamps.js";
import type { IsoDirectoryInput, IsoFileInput } from "./tree.js";

export interface BuildIsoOptions {
  /**
   * Volume label, 1 to 32 characters: letters (either case), digits, "_", "-", "." and inner
   * spaces. `cidata` for a cloud-init NoCloud seed. Lower case is kept as given, as genisoimage
   * does, because cloud-init and blkid look for the exact label.
   */
  volumeId: string;
  files: readonly IsoFileInput[];
  /** Folders to create even when empty, or to give a mode other than 0o755. */
  directories?: readonly IsoDirectoryInput[];
  /**
   * Seconds since 1970-01-01 UTC used for every timestamp in the image. Default: the
   * `SOURCE_DATE_EPOCH` environment variable, else 0 (1970-01-01T00:00:00Z).
   */
  sourceDateEpoch?: number;
  publisher?: string;
  dataPreparer?: string;
  applicationId?: string;
  systemId?: string;
  volumeSetId?: string;
  /** ISO 9660 interchange level of the primary (8.3) names: 1 (default, like genisoimage) or 2. */
  interchangeLevel?: InterchangeLevel;
  /**
   * Zero sectors appended after the data, counted in the volume size. Default 150 (300 KiB), as
   * genisoimage and xorriso do, so that read-ahead by old CD-ROM drivers never reads past the end.
   */
  paddingSectors?: number;
}

export interface ResolvedOptions {
  volumeId: string;
  systemId: string;
  volumeSetId: string;
  publisher: string;
  dataPreparer: string;
  applicationId: string;
  sourceDateEpoch: number;
  interchangeLevel: InterchangeLevel;
  paddingSectors: number;
  files: readonly IsoFileInput[];
  directories: readonly IsoDirectoryInput[];
}

const VOLUME_ID = /^[A-Za-z0-9_.-](?:[A-Za-z0-9_. -]{0,30}[A-Za-z0-9_.-])?$/;
/** ECMA-119 7.4.1 a-characters, with lower-case letters allowed as every writer does. */
const A_CHARACTERS = /^[A-Za-z0-9_ !"%&'()*+,\-./:;<=>?]*$/;
const MAX_PADDING_SECTORS = 1 << 20;

function identifier(value: unknown, name: string, maxLength: number): string {
  if (value === undefined) return "";
  if (typeof value !== "string" || value.length > maxLength || !A_CHARACTERS.test(value)) {
    throw new IsoError(
      "ISO_BAD_IDENTIFIER",
      `${name} must be at most ${maxLength} printable ASCII characters (letters, digits, space and _!"%&'()*+,-./:;<=>?), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function resolveOptions(options: BuildIsoOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new IsoError("ISO_BAD_OPTIONS", "buildIso needs an options object with volumeId and files");
  }
  if (typeof options.volumeId !== "string" || !VOLUME_ID.test(options.volumeId)) {
    throw new IsoError(
      "ISO_BAD_VOLUME_ID",
      `volumeId must be 1 to 32 characters of letters, digits, "_", "-", "." and inner spaces, got ${JSON.stringify(options.volumeId)}`,
    );
  }
  const level = options.interchangeLevel ?? 1;
  if (level !== 1 && level !== 2) {
    throw new IsoError("ISO_BAD_LEVEL", `interchangeLevel must be 1 or 2, got ${String(level)}`);
  }
  const padding = options.paddingSectors ?? 150;
  if (typeof padding !== "number" || !Number.isInteger(padding) || padding < 0 || padding > MAX_PADDING_SECTORS) {
    throw new IsoError(
      "ISO_BAD_PADDING",
      `paddingSectors must be an integer from 0 to ${MAX_PADDING_SECTORS}, got ${String(padding)}`,
    );
  }
  if (!Array.isArray(options.files)) throw new IsoError("ISO_BAD_OPTIONS", "files must be an array");
  if (options.directories !== undefined && !Array.isArray(options.directories)) {
    throw new IsoError("ISO_BAD_OPTIONS", "directories must be an array");
  }
  return {
    volumeId: options.volumeId,
    systemId: identifier(options.systemId, "systemId", 32),
    volumeSetId: identifier(options.volumeSetId, "volumeSetId", 128),
    publisher: identifier(options.publisher, "publisher", 128),
    dataPreparer: identifier(options.dataPreparer, "dataPreparer", 128),
    applicationId: identifier(options.applicationId, "applicationId", 128),
    sourceDateEpoch: resolveSourceDateEpoch(options.sourceDateEpoch, env),
    interchangeLevel: level,
    paddingSectors: padding,
    files: options.files,
    directories: options.directories ?? [],
  };
}
