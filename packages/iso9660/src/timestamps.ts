import { IsoError } from "./errors.js";

/**
 * The 7-byte dates of directory records (ECMA-119 9.1.5) and of Rock Ridge TF store the year
 * as an offset from 1900 in one byte, so only 1900..2155 can be written.
 */
export const MIN_EPOCH = Date.UTC(1900, 0, 1) / 1000;
export const MAX_EPOCH = Date.UTC(2155, 11, 31, 23, 59, 59) / 1000;

export function resolveSourceDateEpoch(value: number | undefined, env: NodeJS.ProcessEnv): number {
  if (value === undefined) {
    const fromEnv = env.SOURCE_DATE_EPOCH;
    if (fromEnv === undefined || fromEnv === "") return 0;
    if (!/^-?\d+$/.test(fromEnv.trim())) {
      throw new IsoError(
        "ISO_BAD_SOURCE_DATE_EPOCH",
        `SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, got ${JSON.stringify(fromEnv)}`,
      );
    }
    value = Number(fromEnv.trim());
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_EPOCH || value > MAX_EPOCH) {
    throw new IsoError(
      "ISO_BAD_SOURCE_DATE_EPOCH",
      `sourceDateEpoch must be an integer number of seconds between ${MIN_EPOCH} (1900-01-01) and ${MAX_EPOCH} (2155-12-31), got ${String(value)}`,
    );
  }
  return value;
}

/** ECMA-119 9.1.5: years since 1900, month, day, hour, minute, second, GMT offset in 15 min units. */
export function shortDate(epochSeconds: number): Uint8Array {
  const date = new Date(epochSeconds * 1000);
  return Uint8Array.of(
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0,
  );
}

/** ECMA-119 8.4.26.1: "YYYYMMDDHHMMSScc" as digits, then the GMT offset byte. */
export function longDate(epochSeconds: number): Uint8Array {
  const date = new Date(epochSeconds * 1000);
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  const text =
    pad(date.getUTCFullYear(), 4) +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    "00";
  const bytes = new Uint8Array(17);
  for (let i = 0; i < 16; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** ECMA-119 8.4.26.1: a date "not specified" is sixteen '0' digits and a zero offset. */
export function unspecifiedLongDate(): Uint8Array {
  const bytes = new Uint8Array(17);
  bytes.fill(0x30, 0, 16);
  return bytes;
}
