/** Units a size may carry. K, M, G, T are binary, as in QEMU (K = KiB). */
export const SIZE_UNITS = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
} as const;

export const SIZE_HINT = `a size with a unit, e.g. "20GiB" (units: ${Object.keys(SIZE_UNITS).join(", ")})`;

const SIZE = /^(\d{1,16})(?:\.(\d{1,9}))?\s?([A-Za-z]+)$/;

export type SizeParse = { ok: true; bytes: number } | { ok: false; message: string };

/** "8GiB" -> 8589934592. Decimals are allowed when they come out as whole bytes ("1.5GiB"). */
export function parseSize(text: string): SizeParse {
  const match = SIZE.exec(text.trim());
  if (!match) return { ok: false, message: `"${text}" is not a size; write ${SIZE_HINT}` };
  const [, whole, fraction = "", unit] = match;
  if (!Object.hasOwn(SIZE_UNITS, unit!)) {
    return { ok: false, message: `unknown unit "${unit}" in "${text}"; units are ${Object.keys(SIZE_UNITS).join(", ")} (case matters: GiB, not gb)` };
  }
  const factor = BigInt(SIZE_UNITS[unit as keyof typeof SIZE_UNITS]);
  const scale = 10n ** BigInt(fraction.length);
  const numerator = (BigInt(whole!) * scale + BigInt(fraction || "0")) * factor;
  if (numerator % scale !== 0n) return { ok: false, message: `"${text}" is not a whole number of bytes` };
  const bytes = numerator / scale;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, message: `"${text}" is too large (at most 8 PiB)` };
  return { ok: true, bytes: Number(bytes) };
}

/** 8589934592 -> "8GiB"; the largest unit that divides evenly. */
export function formatSize(bytes: number): string {
  for (const unit of ["TiB", "GiB", "MiB", "KiB"] as const) {
    if (bytes >= SIZE_UNITS[unit] && bytes % SIZE_UNITS[unit] === 0) return `${bytes / SIZE_UNITS[unit]}${unit}`;
  }
  return `${bytes}B`;
}
